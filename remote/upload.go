package remote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// ErrChecksum is returned by Upload when the file that arrived is not the
// file that was sent.
var ErrChecksum = errors.New("checksum mismatch")

// Upload writes content to path on the host, with mode, atomically: it is
// streamed to a temporary file beside path, its SHA-256 is checked on the
// host with sha256sum, and only then is it renamed over path (so a
// running program at path keeps its old file). A leading "~/" in path is
// the remote home directory; missing directories are created.
//
// It needs only Conn.Run and a POSIX shell with sha256sum on the host.
func Upload(ctx context.Context, c Conn, content []byte, path string, mode fs.FileMode) error {
	sum := sha256.Sum256(content)
	want := hex.EncodeToString(sum[:])
	p := QuotePath(path)
	script := strings.Join([]string{
		"set -e",
		"p=" + p,
		`command -v sha256sum >/dev/null 2>&1 || { echo "sha256sum not found on the host" >&2; exit 3; }`,
		`mkdir -p "$(dirname "$p")"`,
		`t="$p.upload.$$"`,
		`trap 'rm -f "$t"' EXIT`,
		`cat >"$t"`,
		`got=$(sha256sum "$t" | cut -d" " -f1)`,
		`if [ "$got" != ` + want + ` ]; then echo "checksum mismatch: sent ` + want + `, got $got" >&2; exit 4; fi`,
		fmt.Sprintf("chmod %o \"$t\"", mode.Perm()),
		`mv -f "$t" "$p"`,
		`trap - EXIT`,
	}, "\n")
	var stderr bytes.Buffer
	err := c.Run(ctx, &Command{Line: "sh -c " + Quote(script), Stdin: bytes.NewReader(content), Stderr: &stderr})
	msg := strings.TrimSpace(stderr.String())
	var ee *ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee) && ee.Status == 4:
		return fmt.Errorf("upload to %s: %w: %s", path, ErrChecksum, strings.TrimPrefix(msg, "checksum mismatch: "))
	case msg != "":
		return fmt.Errorf("upload to %s: %w: %s", path, err, msg)
	}
	return fmt.Errorf("upload to %s: %w", path, err)
}

// SHA256 returns the hex SHA-256 of the file at path on the host, or ""
// when there is no such file.
func SHA256(ctx context.Context, c Conn, path string) (string, error) {
	out, err := Output(ctx, c, "p="+QuotePath(path)+`; if [ -f "$p" ]; then sha256sum "$p" | cut -d" " -f1; fi`)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

package orchestrate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"nperf/remote"
)

// A Binary is an nperf executable to deploy, with the platform its ELF
// header says it runs on.
type Binary struct {
	Content []byte
	GOOS    string // "linux"
	GOARCH  string
	SHA256  string // hex
}

// NewBinary inspects an executable. Only Linux ELF binaries are
// deployable: the hosts run Linux and the remote tooling is POSIX.
func NewBinary(content []byte) (*Binary, error) {
	ef, err := elf.NewFile(bytes.NewReader(content))
	if err != nil {
		return nil, fmt.Errorf("not an ELF executable: %v", err)
	}
	defer ef.Close()
	if ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN {
		return nil, fmt.Errorf("not an executable (ELF type %v)", ef.Type)
	}
	arch := elfArch(ef)
	if arch == "" {
		return nil, fmt.Errorf("unknown machine %v", ef.Machine)
	}
	sum := sha256.Sum256(content)
	return &Binary{Content: content, GOOS: "linux", GOARCH: arch, SHA256: hex.EncodeToString(sum[:])}, nil
}

func elfArch(ef *elf.File) string {
	little := ef.ByteOrder.String() == "LittleEndian"
	switch ef.Machine {
	case elf.EM_X86_64:
		return "amd64"
	case elf.EM_AARCH64:
		if little {
			return "arm64"
		}
	case elf.EM_386:
		return "386"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_RISCV:
		if ef.Class == elf.ELFCLASS64 {
			return "riscv64"
		}
	case elf.EM_PPC64:
		if little {
			return "ppc64le"
		}
		return "ppc64"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_LOONGARCH:
		return "loong64"
	}
	return ""
}

// A HostDeploy is the outcome of Deploy on one host.
type HostDeploy struct {
	Host    *remote.Host
	Path    string
	Err     error
	Updated bool   // false: the same binary was already there
	Version string // what the deployed binary says of itself
}

// ErrArch is the reason a binary was not deployed to a host of another
// platform.
var ErrArch = errors.New("wrong architecture")

// Deploy copies b to every host's nperf path (NperfPathOf), unless the
// same file (same SHA-256) is already there and force is false. The host's
// platform is checked with uname first, the copy is verified with
// sha256sum on the host, and the result is run once ("nperf version").
func (f *Fleet) Deploy(ctx context.Context, hosts []*remote.Host, b *Binary, force bool) []*HostDeploy {
	out := make([]*HostDeploy, len(hosts))
	f.each(len(hosts), func(i int) {
		out[i] = f.deploy(ctx, hosts[i], b, force)
	})
	return out
}

func (f *Fleet) deploy(ctx context.Context, h *remote.Host, b *Binary, force bool) *HostDeploy {
	r := &HostDeploy{Host: h, Path: f.NperfPathOf(h)}
	c, err := f.Conn(ctx, h)
	if err != nil {
		r.Err = err
		return r
	}
	uname, err := remote.Output(ctx, c, "uname -s -m")
	if err != nil {
		r.Err = fmt.Errorf("uname: %w", err)
		return r
	}
	fields := strings.Fields(string(uname))
	if len(fields) != 2 {
		r.Err = fmt.Errorf("uname -s -m printed %q", uname)
		return r
	}
	goos, goarch := strings.ToLower(fields[0]), GoArch(fields[1])
	if goos != b.GOOS || goarch != b.GOARCH {
		r.Err = fmt.Errorf("%w: the host is %s %s (%s), the binary is for %s/%s (build one with GOOS=%s GOARCH=%s go build ./cmd/nperf and pass it with --binary)",
			ErrArch, fields[0], fields[1], orUnknown(goarch), b.GOOS, b.GOARCH, goos, orUnknown(goarch))
		return r
	}
	if !force {
		sum, err := remote.SHA256(ctx, c, r.Path)
		if err != nil {
			r.Err = fmt.Errorf("checking %s: %w", r.Path, err)
			return r
		}
		r.Updated = sum != b.SHA256
	} else {
		r.Updated = true
	}
	if r.Updated {
		if err := remote.Upload(ctx, c, b.Content, r.Path, 0o755); err != nil {
			r.Err = err
			return r
		}
	}
	v, err := remote.Output(ctx, c, remote.QuotePath(r.Path)+" version")
	if err != nil {
		r.Err = fmt.Errorf("the deployed binary does not run: %w", err)
		return r
	}
	r.Version = strings.TrimSpace(string(v))
	return r
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown to Go"
	}
	return s
}

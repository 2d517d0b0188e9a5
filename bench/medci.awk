# medci.awk: numbers, one per line -> "median lo hi confidence", where lo-hi
# is a distribution-free confidence interval for the median: the k-th
# smallest and k-th largest values, k the largest with
# P(Binomial(n, 1/2) < k) <= 2.5%, so that the interval holds the true
# median with at least 95% confidence. Fewer than 6 values cannot reach 95%:
# the interval is then min-max, whose confidence (1 - 2^(1-n)) is printed.
# "- - - -" when there are no numbers. Used by compare.sh for the per-round
# ratios, whose spread on a shared machine decides whether a ratio's
# distance from 1 means anything.
{ v[++n] = $1 + 0 }
END {
	if (!n) { print "- - - -"; exit }
	# insertion sort: n is a handful of rounds
	for (i = 2; i <= n; i++) {
		x = v[i]
		for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]
		v[j + 1] = x
	}
	med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	# tail[k] = P(B < k) = sum_{i<k} C(n,i) / 2^n
	k = 1; p = 0.5 ^ n; tail = p   # P(B < 1) = P(B = 0)
	c = 1                          # C(n, 0)
	while (k < n / 2) {
		c = c * (n - k + 1) / k    # C(n, k)
		if (tail + c * p > 0.025) break
		tail += c * p
		k++
	}
	if (tail > 0.025) { k = 1; tail = p }  # n < 6: min-max is the best there is
	printf "%.6g %.6g %.6g %.4f\n", med, v[k], v[n - k + 1], 1 - 2 * tail
}

package output

// minColumnWidth is the narrowest a column is cut to: enough to recognise a
// value by its start.
const minColumnWidth = 8

// tableOverhead is what go-pretty's default style adds to the cells of a row
// of n columns: "| " before each cell, " " after it, and the closing "|".
func tableOverhead(n int) int { return 3*n + 1 }

// fitColumns chooses the widest each column may be so that their sum fits in
// budget, cutting only the widest columns: narrow columns keep their width and
// the wide ones share what is left equally (water-filling). A zero means the
// column is not cut. When even minColumnWidth does not fit, columns are cut to
// it and the row stays wider than budget.
func fitColumns(widths []int, budget int) []int {
	total := 0
	for _, w := range widths {
		total += w
	}
	caps := make([]int, len(widths))
	if total <= budget {
		return caps
	}
	// The largest cap c whose sum of min(w, c) fits.
	lo, hi := minColumnWidth, 0
	for _, w := range widths {
		hi = max(hi, w)
	}
	for lo < hi {
		mid := (lo + hi + 1) / 2
		sum := 0
		for _, w := range widths {
			sum += min(w, mid)
		}
		if sum <= budget {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	for i, w := range widths {
		if w > lo {
			caps[i] = lo
		}
	}
	return caps
}

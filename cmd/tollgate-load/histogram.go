package main

import (
	"math/bits"
	"time"
)

// histogram records latencies in log-linear buckets, HDR style: values below
// 256 ns exactly, larger ones in 128 sub-buckets per power of two, so any
// quantile it reports is within 0.8% of the true value, in fixed memory
// however long the run. One per worker; merged at the end.
type histogram struct {
	counts [histBuckets]uint64
	n      uint64
	sum    time.Duration
	max    time.Duration
}

const (
	subBits     = 7
	subCount    = 1 << subBits       // 128
	linearLimit = 1 << (subBits + 1) // 256: below this, one bucket per ns
	histBuckets = linearLimit + (64-subBits-1)*subCount
)

func bucketOf(v uint64) int {
	if v < linearLimit {
		return int(v)
	}
	shift := bits.Len64(v) - (subBits + 1) // >= 1
	top := v >> shift                      // in [128, 256)
	return linearLimit + (shift-1)*subCount + int(top-subCount)
}

// bucketValue returns the middle of bucket i.
func bucketValue(i int) uint64 {
	if i < linearLimit {
		return uint64(i)
	}
	i -= linearLimit
	shift := i/subCount + 1
	top := uint64(i%subCount + subCount)
	lo := top << shift
	return lo + (uint64(1)<<shift)/2
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
	h.sum += d
	if d > h.max {
		h.max = d
	}
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the q-quantile (0 < q <= 1): the smallest recorded value
// with at least q of all values at or below it.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(bucketValue(i)), h.max)
		}
	}
	return h.max
}

func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

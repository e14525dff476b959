package compute_test

import (
	"slices"
	"testing"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestDescribeVolumesBatches pages through more volumes than one batch
// holds, under a filter the store does not apply (volume-type) that
// matches few of them, alone and with one it applies (status): every
// page is full but the last, the pages hold every match once, in ID
// order, and no token follows the last.
func TestDescribeVolumesBatches(t *testing.T) {
	const owner, instances = "111111111111", 700
	db := storetest.SQLite(t)
	var io1, io1InUse []string
	err := db.Instances().Update(t.Context(), func(tx compute.Tx) error {
		for n := 1; n <= instances; n++ {
			in := storetest.NewInstance(n, owner, "r-1")
			if n%100 == 0 {
				in.Volumes[0].VolumeType = "io1"
				io1 = append(io1, in.Volumes[0].VolumeID)
				if n%200 == 0 {
					in.State, in.Volumes[0].DeleteOnTermination = compute.Terminated, false
				} else {
					io1InUse = append(io1InUse, in.Volumes[0].VolumeID)
				}
			}
			if err := tx.CreateInstance(in); err != nil {
				return err
			}
		}
		return nil
	})
	storetest.NoError(t, err, "seed")
	svc := compute.NewService(db.Instances(), nil, nil, nil, compute.Placement{}, clock.NewManual(storetest.Epoch))
	typ := filter.Filter{Name: "volume-type", Values: []string{"io1"}}
	inUse := filter.Filter{Name: "status", Values: []string{"in-use"}}
	for _, tc := range []struct {
		name    string
		filters []filter.Filter
		want    []string
	}{
		{"Go", []filter.Filter{typ}, io1},
		{"GoAndStore", []filter.Filter{typ, inUse}, io1InUse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			in := compute.DescribeVolumesInput{Filters: tc.filters, MaxResults: compute.MinVolumeResults}
			for range len(tc.want) {
				page, err := svc.DescribeVolumes(t.Context(), owner, in)
				storetest.NoError(t, err, "page")
				for _, v := range page.Volumes {
					got = append(got, v.VolumeID)
				}
				if page.NextToken == "" {
					break
				}
				if len(page.Volumes) != int(in.MaxResults) {
					t.Fatalf("a page of %d volumes before the last", len(page.Volumes))
				}
				in.NextToken = page.NextToken
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("paged volumes %q, want %q", got, tc.want)
			}
			all, err := svc.DescribeVolumes(t.Context(), owner, compute.DescribeVolumesInput{Filters: tc.filters})
			storetest.NoError(t, err, "all")
			if len(all.Volumes) != len(tc.want) || all.NextToken != "" {
				t.Errorf("unpaged: %d volumes and token %q, want %d and none", len(all.Volumes), all.NextToken, len(tc.want))
			}
		})
	}
	t.Run("Unfiltered", func(t *testing.T) {
		page, err := svc.DescribeVolumes(t.Context(), owner, compute.DescribeVolumesInput{MaxResults: compute.MaxVolumeResults})
		storetest.NoError(t, err, "first page")
		next, err := svc.DescribeVolumes(t.Context(), owner, compute.DescribeVolumesInput{MaxResults: compute.MaxVolumeResults, NextToken: page.NextToken})
		storetest.NoError(t, err, "second page")
		if n := len(page.Volumes) + len(next.Volumes); n != instances || next.NextToken != "" || next.Volumes[0].VolumeID <= page.Volumes[len(page.Volumes)-1].VolumeID {
			t.Errorf("two pages of %d and %d volumes, token %q after the second; want %d in order and none", len(page.Volumes), len(next.Volumes), next.NextToken, instances)
		}
	})
}

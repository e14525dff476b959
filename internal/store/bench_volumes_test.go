package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/compute"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/store"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// BenchmarkDescribeVolumesPage reads one page of 5 volumes through
// compute.Service.DescribeVolumes on SQLite, for an account with 10 and with
// 10,000 instances (two volumes each, one in ten terminated): the cost of a
// page must not grow with the account's instances. "first" is the first
// page, "filtered" the first page under a filter applied in Go that
// matches every volume (volume-type), "next" a page resumed from a token in
// the middle.
//
//	go test ./internal/store/ -run '^$' -bench DescribeVolumesPage -benchmem
func BenchmarkDescribeVolumesPage(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			svc := seedVolumes(b, n)
			gp3 := []filter.Filter{{Name: "volume-type", Values: []string{"gp3"}}}
			mid, err := svc.DescribeVolumes(context.Background(), benchOwner, compute.DescribeVolumesInput{MaxResults: int64(min(n, 500))})
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range []struct {
				name string
				in   compute.DescribeVolumesInput
			}{
				{"first", compute.DescribeVolumesInput{MaxResults: benchPage}},
				{"filtered", compute.DescribeVolumesInput{MaxResults: benchPage, Filters: gp3}},
				{"next", compute.DescribeVolumesInput{MaxResults: benchPage, NextToken: mid.NextToken}},
			} {
				b.Run(c.name, func(b *testing.B) { benchVolumePage(b, svc, c.in) })
			}
		})
	}
}

const benchOwner = "111111111111"

// benchPage is the page size: EC2's smallest, so that every page the
// benchmark reads is full with 10 instances too.
const benchPage = compute.MinVolumeResults

func benchVolumePage(b *testing.B, svc *compute.Service, in compute.DescribeVolumesInput) {
	for b.Loop() {
		p, err := svc.DescribeVolumes(b.Context(), benchOwner, in)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Volumes) == 0 {
			b.Fatal("empty page")
		}
	}
}

// seedVolumes opens an SQLite store holding n instances of benchOwner, and
// as many of another account, and returns the compute service over it.
func seedVolumes(b *testing.B, n int) *compute.Service {
	b.Helper()
	db, err := store.Open(context.Background(), store.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	err = db.Instances().Update(context.Background(), func(tx compute.Tx) error {
		for i := range 2 * n {
			owner := benchOwner
			if i%2 == 1 {
				owner = "222222222222"
			}
			in := storetest.NewInstance(i+1, owner, fmt.Sprintf("r-%017x", i/3))
			data := in.Volumes[0]
			data.DeviceName, data.VolumeID, data.DeleteOnTermination = "/dev/sdf", fmt.Sprintf("vol-1%016x", i+1), false
			in.Volumes = append(in.Volumes, data)
			if i%10 == 0 {
				in.State, in.TerminatedAt = compute.Terminated, in.LaunchedAt
			}
			if err := tx.CreateInstance(in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return compute.NewService(db.Instances(), nil, nil, nil, compute.Placement{}, clock.NewManual(storetest.Epoch))
}

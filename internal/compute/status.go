package compute

import (
	"context"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
)

// Status is the outcome of an instance's status checks, as
// DescribeInstanceStatus shows it. Tollgate's instances run on no hardware
// that can fail: a running instance passes both its instance and its
// system check, and one in any other state has no checks to run.
type Status string

// The statuses Tollgate's instances have.
const (
	StatusOK            Status = "ok"
	StatusNotApplicable Status = "not-applicable"
)

// Reachability is the one detail of a check: "passed" while the instance
// runs, none otherwise.
const Reachability = "passed"

// StatusOf is the status of both checks of an instance in state st.
func StatusOf(st State) Status {
	if st == Running {
		return StatusOK
	}
	return StatusNotApplicable
}

// StatusFilterNames are the DescribeInstanceStatus filters Tollgate knows:
// those the AWS CLI's options and waiters use that a simulated instance
// can answer.
var StatusFilterNames = []string{
	"availability-zone", "instance-state-code", "instance-state-name", "instance-status.reachability",
	"instance-status.status", "system-status.reachability", "system-status.status",
}

// StatusInput selects instances for DescribeInstanceStatus.
type StatusInput struct {
	IDs []string
	// IncludeAll lists instances in every state; otherwise only running
	// ones are, as on EC2.
	IncludeAll bool
	Filters    []filter.Filter
	MaxResults int64 // 0: everything at once
	NextToken  string
}

// Validate checks everything that needs no store.
func (in StatusInput) Validate() error {
	return DescribeInput{IDs: in.IDs, MaxResults: in.MaxResults, NextToken: in.NextToken}.validate(in.Filters, filter.Named(StatusFilterNames))
}

// stateFilters turns the filters on the checks into filters on the
// states whose checks match, since a check's outcome follows from the
// state. It reports false when some filter matches no state.
func (in StatusInput) stateFilters() ([]filter.Filter, bool) {
	out := make([]filter.Filter, 0, len(in.Filters)+1)
	if !in.IncludeAll {
		out = append(out, filter.Filter{Name: "instance-state-name", Values: []string{string(Running)}})
	}
	for _, f := range in.Filters {
		var of func(State) string
		switch f.Name {
		case "instance-status.status", "system-status.status":
			of = func(st State) string { return string(StatusOf(st)) }
		case "instance-status.reachability", "system-status.reachability":
			of = func(st State) string {
				if st == Running {
					return Reachability
				}
				return ""
			}
		default:
			out = append(out, f)
			continue
		}
		var names []string
		for _, st := range States {
			if v := of(st); v != "" && filter.MatchAny(f.Values, v) {
				names = append(names, string(st))
			}
		}
		if len(names) == 0 {
			return nil, false
		}
		out = append(out, filter.Filter{Name: "instance-state-name", Values: names})
	}
	return out, true
}

// DescribeStatus lists the status of caller's instances that in selects,
// ordered by reservation and ID. Naming an instance caller does not own is
// InvalidInstanceID.NotFound; naming one that is not running, without
// IncludeAll, lists nothing for it, as on EC2.
func (s *Service) DescribeStatus(ctx context.Context, caller string, in StatusInput) (p Page, err error) {
	defer fault.Annotate(&err, "compute: describe status")
	if err := in.Validate(); err != nil {
		return Page{}, err
	}
	filters, ok := in.stateFilters()
	if !ok {
		return Page{}, s.checkExist(ctx, caller, in.IDs)
	}
	return s.page(ctx, caller, DescribeInput{IDs: in.IDs, Filters: filters, MaxResults: in.MaxResults, NextToken: in.NextToken})
}

package image_test

import (
	"strings"
	"testing"

	"github.com/tollgate/tollgate/internal/clock"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
	"github.com/tollgate/tollgate/internal/store/storetest"
)

// TestCancelImport is CancelImportTask's state machine: an active task is
// deleted with its reason, and nothing else may be cancelled.
func TestCancelImport(t *testing.T) {
	ctx := t.Context()
	st := storetest.SQLite(t).Images()
	svc := image.NewService(st, nil, nil, clock.NewManual(storetest.Epoch))
	task := func(id string, status image.TaskStatus) image.ImportTask {
		return image.ImportTask{ID: id, Owner: buyer, Status: status, Architecture: "x86_64", Platform: image.Linux, CreatedAt: storetest.Epoch}
	}
	const active, completed = "import-ami-00000000000000001", "import-ami-00000000000000002"
	if err := st.Update(ctx, func(tx image.Tx) error {
		if err := tx.CreateImportTask(task(active, image.TaskActive)); err != nil {
			return err
		}
		return tx.CreateImportTask(task(completed, image.TaskCompleted))
	}); err != nil {
		t.Fatal(err)
	}
	got, err := svc.CancelImport(ctx, buyer, image.CancelImportInput{ID: active, Reason: "wrong disk"})
	if want := (image.Cancelled{TaskID: active, PreviousStatus: image.TaskActive, Status: image.TaskDeleting}); err != nil || got != want {
		t.Fatalf("CancelImport: %+v, %v; want %+v", got, err, want)
	}
	stored, err := svc.ImportTask(ctx, buyer, active)
	if err != nil || stored.Status != image.TaskDeleted || stored.StatusMessage != "wrong disk" {
		t.Fatalf("the cancelled task: %+v, %v", stored, err)
	}
	for _, tc := range []struct {
		name   string
		caller string
		in     image.CancelImportInput
		code   string
	}{
		{"Again", buyer, image.CancelImportInput{ID: active}, "IncorrectState"},
		{"Completed", buyer, image.CancelImportInput{ID: completed}, "IncorrectState"},
		{"Others", grantee, image.CancelImportInput{ID: completed}, "InvalidConversionTaskId"},
		{"Unknown", buyer, image.CancelImportInput{ID: "import-ami-00000000000000009"}, "InvalidConversionTaskId"},
		{"Malformed", buyer, image.CancelImportInput{ID: "import-ami-1"}, "InvalidConversionTaskId.Malformed"},
		{"Missing", buyer, image.CancelImportInput{}, "MissingParameter"},
		{"LongReason", buyer, image.CancelImportInput{ID: completed, Reason: strings.Repeat("é", image.MaxCancelReason+1)}, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.CancelImport(ctx, tc.caller, tc.in)
			if got := fault.As(err).Code; got != tc.code {
				t.Errorf("got %v, want %s", err, tc.code)
			}
		})
	}
	if stored, err := svc.ImportTask(ctx, buyer, completed); err != nil || stored.Status != image.TaskCompleted {
		t.Errorf("a refused cancellation changed the task: %+v, %v", stored, err)
	}
}

package ec2_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/tollgate/tollgate/internal/image"
)

var _ = sdk("CancelImportTask", testCancelImportTask)

// activeImport stores an import task of p's that is still converting.
// Tollgate's own imports complete in the request that makes them, so the
// task is put in the store as an import still converting would be.
func (e *env) activeImport(p party, id string) {
	e.t.Helper()
	task := image.ImportTask{ID: id, Owner: p.ID, Status: image.TaskActive, Architecture: "x86_64", Platform: image.Linux,
		LicenseType: "BYOL", CreatedAt: e.now(),
		Disks: []image.ImportDisk{{DeviceName: "/dev/xvda", Format: "VMDK", URL: "https://disks.example.com/slow.vmdk", SizeGiB: 8}}}
	if err := e.app.DB.Images().Update(e.ctx, func(tx image.Tx) error { return tx.CreateImportTask(task) }); err != nil {
		e.t.Fatalf("storing an active import task: %v", err)
	}
}

func testCancelImportTask(t *testing.T, be backend) {
	e := newEnv(t, be)
	owner, stranger := e.party("owner"), e.party("stranger")
	const active = "import-ami-0123456789abcdef0"
	e.activeImport(owner, active)
	if got := e.importTask(owner, active); aws.ToString(got.Status) != "active" {
		t.Fatalf("the stored task is %q, want active", aws.ToString(got.Status))
	}

	_, err := stranger.EC2.CancelImportTask(e.ctx, &ec2.CancelImportTaskInput{ImportTaskId: aws.String(active)})
	wantCode(t, err, "InvalidConversionTaskId")
	out, err := owner.EC2.CancelImportTask(e.ctx, &ec2.CancelImportTaskInput{ImportTaskId: aws.String(active), CancelReason: aws.String("wrong disk")})
	noErr(t, err)
	if aws.ToString(out.ImportTaskId) != active || aws.ToString(out.PreviousState) != "active" || aws.ToString(out.State) != "deleting" {
		t.Errorf("CancelImportTask answered %+v", out)
	}
	task := e.importTask(owner, active)
	if aws.ToString(task.Status) != "deleted" || aws.ToString(task.StatusMessage) != "wrong disk" || aws.ToString(task.ImageId) != "" {
		t.Errorf("the cancelled task: status %q, message %q, image %q", aws.ToString(task.Status), aws.ToString(task.StatusMessage), aws.ToString(task.ImageId))
	}
	deleted, err := owner.EC2.DescribeImportImageTasks(e.ctx, &ec2.DescribeImportImageTasksInput{
		Filters: []types.Filter{{Name: aws.String("task-state"), Values: []string{"deleted"}}}})
	noErr(t, err)
	if len(deleted.ImportImageTasks) != 1 {
		t.Errorf("deleted tasks: %+v", deleted.ImportImageTasks)
	}
	_, err = owner.EC2.CancelImportTask(e.ctx, &ec2.CancelImportTaskInput{ImportTaskId: aws.String(active)})
	wantCode(t, err, "IncorrectState")

	t.Run("DefaultReason", func(t *testing.T) {
		const id = "import-ami-0123456789abcdef1"
		e.in(t).activeImport(owner, id)
		_, err := owner.EC2.CancelImportTask(e.ctx, &ec2.CancelImportTaskInput{ImportTaskId: aws.String(id)})
		noErr(t, err)
		if got := e.in(t).importTask(owner, id); aws.ToString(got.StatusMessage) == "" {
			t.Errorf("a task cancelled with no reason has no status message: %+v", got)
		}
	})
	t.Run("Completed", func(t *testing.T) {
		done := e.in(t).importDisk(owner, "Linux")
		_, err := owner.EC2.CancelImportTask(e.ctx, &ec2.CancelImportTaskInput{ImportTaskId: done.ImportTaskId})
		wantCode(t, err, "IncorrectState")
		if got := e.in(t).importTask(owner, aws.ToString(done.ImportTaskId)); aws.ToString(got.Status) != "completed" {
			t.Errorf("a refused cancellation changed the task: %+v", got)
		}
		e.in(t).image(owner, aws.ToString(done.ImageId))
		_, err = stranger.EC2.CancelImportTask(e.ctx, &ec2.CancelImportTaskInput{ImportTaskId: done.ImportTaskId})
		wantCode(t, err, "InvalidConversionTaskId")
	})
	t.Run("Refused", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   *ec2.CancelImportTaskInput
			code string
		}{
			{"Unknown", &ec2.CancelImportTaskInput{ImportTaskId: aws.String("import-ami-0123456789abcdef9")}, "InvalidConversionTaskId"},
			{"Malformed", &ec2.CancelImportTaskInput{ImportTaskId: aws.String("import-snap-0123456789abcdef0")}, "InvalidConversionTaskId.Malformed"},
			{"Missing", &ec2.CancelImportTaskInput{}, "MissingParameter"},
			{"LongReason", &ec2.CancelImportTaskInput{ImportTaskId: aws.String(active), CancelReason: aws.String(strings.Repeat("x", 256))}, "InvalidParameterValue"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := owner.EC2.CancelImportTask(e.ctx, tc.in)
				wantCode(t, err, tc.code)
			})
		}
	})
}

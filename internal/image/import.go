package image

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/filter"
	"github.com/tollgate/tollgate/internal/paging"
	"github.com/tollgate/tollgate/internal/tag"
)

// ImportTask is an ImportImage task: the disks it imported and the image
// it made. Tollgate copies no data, so a task is complete as soon as it is
// made; ImportImage's answer shows it active, as EC2's does, and
// DescribeImportImageTasks shows it completed with its image.
type ImportTask struct {
	ID           string // "import-ami-" and 17 lowercase hex digits
	Owner        string
	Status       TaskStatus
	ImageID      string
	Description  string
	Architecture string
	Platform     Platform
	LicenseType  string
	BootMode     string
	Encrypted    bool
	Disks        []ImportDisk
	CreatedAt    time.Time
	// StatusMessage says more of the status: the reason a cancelled task
	// was given.
	StatusMessage string
}

// TaskStatus is an import task's status.
type TaskStatus string

// The statuses. A cancelled task is deleting in CancelImportTask's answer,
// and deleted from then on.
const (
	TaskActive    TaskStatus = "active"
	TaskCompleted TaskStatus = "completed"
	TaskDeleting  TaskStatus = "deleting"
	TaskDeleted   TaskStatus = "deleted"
)

// ImportDisk is one disk of an import: a snapshot of caller's, or a disk
// image from elsewhere (a URL or an S3 bucket and key), and the snapshot
// it became.
type ImportDisk struct {
	Description string
	DeviceName  string
	Format      string
	SnapshotID  string
	URL         string
	S3Bucket    string
	S3Key       string
	SizeGiB     int64
}

// fromElsewhere reports whether d is a disk image from outside Tollgate.
func (d ImportDisk) fromElsewhere() bool { return d.URL != "" || d.S3Bucket != "" || d.S3Key != "" }

// Formats are the disk image formats an import takes.
var Formats = []string{"OVA", "VHD", "VHDX", "VMDK", "RAW"}

// ImportPlatforms are the platforms ImportImage's Platform names.
var ImportPlatforms = map[string]Platform{"Linux": Linux, "Windows": Windows}

// ImportInput imports an image.
type ImportInput struct {
	Disks        []ImportDisk
	Platform     string // "Linux", "Windows", or empty: the disks' own
	Architecture string
	Description  string
	LicenseType  string
	BootMode     string
	Encrypted    bool
	ClientToken  string
	// Tags are caller's tags on the task.
	Tags []tag.Tag
}

var importTaskPattern = regexp.MustCompile(`^import-ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

// CheckImportTaskID refuses a malformed import task ID.
func CheckImportTaskID(id string) error {
	if !importTaskPattern.MatchString(id) {
		return fault.Coded(fault.Invalid, "InvalidConversionTaskId.Malformed", "Invalid import task id: %q (expecting \"import-ami-...\")", clip(id))
	}
	return nil
}

// Validate checks everything that needs no store.
func (in ImportInput) Validate() error {
	if len(in.Disks) == 0 {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter DiskContainer")
	}
	if len(in.Disks) > MaxBlockDevices {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The request imports %d disks; at most %d are allowed", len(in.Disks), MaxBlockDevices)
	}
	for i, d := range in.Disks {
		if err := checkDisk(d, fmt.Sprintf("DiskContainer.%d", i+1)); err != nil {
			return err
		}
	}
	if _, ok := ImportPlatforms[in.Platform]; in.Platform != "" && !ok {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter Platform is invalid. Expected Linux or Windows.", clip(in.Platform))
	}
	if in.Architecture != "" && !slices.Contains([]string{"i386", "x86_64", "arm64"}, in.Architecture) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter Architecture is invalid", clip(in.Architecture))
	}
	if in.LicenseType != "" && !slices.Contains([]string{"AWS", "BYOL"}, in.LicenseType) {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter LicenseType is invalid. Expected AWS or BYOL.", clip(in.LicenseType))
	}
	if err := checkDescription(in.Description); err != nil {
		return err
	}
	if err := checkClientToken(in.ClientToken); err != nil {
		return err
	}
	return tag.CheckTags(in.Tags)
}

func checkDisk(d ImportDisk, where string) error {
	switch {
	case d.SnapshotID != "" && d.fromElsewhere():
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "%s names a SnapshotId and a disk image (Url or UserBucket); give one", where)
	case d.URL != "" && (d.S3Bucket != "" || d.S3Key != ""):
		return fault.Coded(fault.Invalid, "InvalidParameterCombination", "%s names both a Url and a UserBucket; give one", where)
	case d.SnapshotID == "" && !d.fromElsewhere():
		return fault.Coded(fault.Invalid, "MissingParameter", "%s must name a SnapshotId, a Url or a UserBucket", where)
	case (d.S3Bucket == "") != (d.S3Key == ""):
		return fault.Coded(fault.Invalid, "MissingParameter", "%s.UserBucket needs both S3Bucket and S3Key", where)
	case d.Format != "" && !slices.Contains(Formats, strings.ToUpper(d.Format)):
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Value (%s) for parameter %s.Format is invalid. Expected one of %s.", clip(d.Format), where, strings.Join(Formats, ", "))
	case d.DeviceName != "" && !deviceNamePattern.MatchString(d.DeviceName):
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "Invalid device name %q in %s", clip(d.DeviceName), where)
	case len(d.URL) > MaxLocationLength || len(d.S3Bucket)+len(d.S3Key) > MaxLocationLength:
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "%s: the disk's location is longer than %d characters", where, MaxLocationLength)
	}
	if d.SnapshotID != "" {
		if err := CheckSnapshotID(d.SnapshotID); err != nil {
			return err
		}
	}
	return checkDescription(d.Description)
}

func (in ImportInput) request() string {
	return fmt.Sprintf("%+v|%s|%s|%s|%s|%s|%t", in.Disks, in.Platform, in.Architecture, in.Description, in.LicenseType, in.BootMode, in.Encrypted)
}

// Import imports an image from disks: caller's snapshots, or disk images
// from elsewhere, the first disk being the root. The image keeps a product
// code only as the rebundling rule says (see Inherit): a raw snapshot of a
// paid Windows instance keeps its code, one of a Linux instance and a disk
// from elsewhere have none. A retry with the same client token returns the
// first task.
func (s *Service) Import(ctx context.Context, caller string, in ImportInput) (task ImportTask, err error) {
	defer fault.Annotate(&err, "image: import")
	if err := in.Validate(); err != nil {
		return ImportTask{}, err
	}
	var earlier string
	err = s.store.Update(ctx, func(tx Tx) error {
		id, done, err := replay(tx, caller, "ImportImage", in.ClientToken, in.request())
		if err != nil || done {
			earlier = id
			return err
		}
		task, err = s.importIn(tx, caller, in)
		if err != nil {
			return err
		}
		return remember(tx, caller, "ImportImage", in.ClientToken, task.ID, in.request())
	})
	if err == nil && earlier != "" {
		return s.importTask(ctx, caller, earlier)
	}
	return task, err
}

// importIn makes an import's snapshots, image and task in tx.
func (s *Service) importIn(tx Tx, caller string, in ImportInput) (ImportTask, error) {
	task := ImportTask{ID: NewID(s.random, "import-ami"), Owner: caller, Status: TaskCompleted, Description: in.Description,
		Architecture: cmpOr(in.Architecture, DefaultArchitecture), LicenseType: cmpOr(in.LicenseType, "BYOL"),
		BootMode: in.BootMode, Encrypted: in.Encrypted, CreatedAt: tx.Now()}
	declared, named := ImportPlatforms[in.Platform]
	img := Image{ID: NewID(s.random, "ami"), Owner: caller, Name: task.ID, Description: in.Description,
		Architecture: task.Architecture, State: Available, RootDeviceName: DefaultRootDevice, RootDeviceType: EBS,
		VirtualizationType: DefaultVirtualization, BootMode: in.BootMode, CreatedAt: tx.Now()}
	for i, d := range in.Disks {
		snap, err := s.importedDisk(tx, caller, d, declared)
		if err != nil {
			return ImportTask{}, err
		}
		if i == 0 {
			how, platform := BySnapshot, declared
			if d.fromElsewhere() {
				how = ByImport
			} else if !named {
				platform = snap.Lineage.Platform
			}
			img.ProductCode, img.Platform = Inherit(how, snap.Lineage, platform)
		}
		d.SnapshotID, d.SizeGiB = snap.ID, snap.VolumeSizeGiB
		d.DeviceName = cmpOr(d.DeviceName, deviceName(i))
		task.Disks = append(task.Disks, d)
		img.BlockDevices = append(img.BlockDevices, BlockDevice{DeviceName: d.DeviceName,
			Ebs: &EbsDevice{SnapshotID: snap.ID, VolumeSize: snap.VolumeSizeGiB, VolumeType: "gp2", DeleteOnTermination: true, Encrypted: in.Encrypted}})
	}
	task.ImageID, task.Platform = img.ID, img.Platform
	if err := s.create(tx, img); err != nil {
		return ImportTask{}, err
	}
	if err := tx.CreateImportTask(task); err != nil {
		return ImportTask{}, err
	}
	return task, tx.Tag(caller, task.ID, tag.ImportImageTask, in.Tags)
}

// importedDisk returns the snapshot a disk of an import is: a snapshot
// caller may restore (its own, shared with it, or public), or a new one of a disk from elsewhere, of no known lineage and
// the platform the import declares.
func (s *Service) importedDisk(tx Tx, caller string, d ImportDisk, declared Platform) (Snapshot, error) {
	if !d.fromElsewhere() {
		return restorableSnapshot(tx, caller, d.SnapshotID)
	}
	snap := s.newSnapshot(tx, caller, SourceVolume{}, Lineage{Platform: declared})
	snap.Description = "Created by ImportImage from " + clip(cmpOr(d.URL, "s3://"+d.S3Bucket+"/"+d.S3Key))
	return snap, tx.CreateSnapshot(snap)
}

// deviceName is the device the i-th disk of an import is mapped to:
// /dev/xvda for the root, then /dev/xvdb, ...
func deviceName(i int) string {
	return "/dev/xvd" + string(rune('a'+i%26))
}

func cmpOr(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// ImportTaskFilterNames are the DescribeImportImageTasks filters, besides
// tag:<key>.
var ImportTaskFilterNames = []string{"task-state", "tag-key", "tag-value"}

// DescribeImportTasksInput selects import tasks.
type DescribeImportTasksInput struct {
	IDs        []string
	Filters    []filter.Filter
	MaxResults int64
	NextToken  string
}

// Validate checks everything that needs no store.
func (in DescribeImportTasksInput) Validate() error {
	if err := checkIDs(in.IDs, "import tasks", CheckImportTaskID); err != nil {
		return err
	}
	if err := checkMaxResults(in.MaxResults); err != nil {
		return err
	}
	if _, err := decodeListToken("import", in.NextToken, CheckImportTaskID); err != nil {
		return err
	}
	return filter.Check(in.Filters, filter.NamedOrTag(ImportTaskFilterNames))
}

// ImportTaskQuery selects import tasks for ImportTasks: caller's own.
type ImportTaskQuery struct {
	Owner   string
	IDs     []string
	Filters []filter.Filter
	After   string
	Limit   int
}

// ImportTaskPage is one page of import tasks.
type ImportTaskPage struct {
	Tasks     []ImportTask
	NextToken string
}

// DescribeImportTasks lists caller's import tasks that in selects. Naming
// another's is InvalidConversionTaskId.
func (s *Service) DescribeImportTasks(ctx context.Context, caller string, in DescribeImportTasksInput) (p ImportTaskPage, err error) {
	defer fault.Annotate(&err, "image: describe import tasks")
	if err := in.Validate(); err != nil {
		return p, err
	}
	q := ImportTaskQuery{Owner: caller, IDs: in.IDs, Filters: in.Filters, Limit: int(in.MaxResults)}
	q.After, _ = decodeListToken("import", in.NextToken, CheckImportTaskID)
	q.Limit = paging.Limit(q.Limit)
	tasks, err := s.store.ImportTasks(ctx, q)
	if err != nil {
		return p, err
	}
	for _, id := range in.IDs {
		if !slices.ContainsFunc(tasks, func(t ImportTask) bool { return t.ID == id }) && len(in.Filters) == 0 {
			return p, taskNotFound(id)
		}
	}
	tasks, more := paging.Cut(tasks, int(in.MaxResults))
	if more {
		p.NextToken = encodeListToken("import", tasks[len(tasks)-1].ID)
	}
	p.Tasks = tasks
	return p, nil
}

func taskNotFound(id string) error {
	return fault.Coded(fault.NotFound, "InvalidConversionTaskId", "The import task ID '%s' does not exist", id)
}

// ImportTask returns one of caller's import tasks.
func (s *Service) ImportTask(ctx context.Context, caller, id string) (ImportTask, error) {
	if err := CheckImportTaskID(id); err != nil {
		return ImportTask{}, err
	}
	return s.importTask(ctx, caller, id)
}

// importTask returns one of caller's import tasks.
func (s *Service) importTask(ctx context.Context, caller, id string) (ImportTask, error) {
	tasks, err := s.store.ImportTasks(ctx, ImportTaskQuery{Owner: caller, IDs: []string{id}})
	if err != nil {
		return ImportTask{}, err
	}
	if len(tasks) == 0 {
		return ImportTask{}, taskNotFound(id)
	}
	return tasks[0], nil
}

// MaxCancelReason bounds CancelImportTask's reason, as a description's.
const MaxCancelReason = MaxDescriptionLength

// CancelImportInput cancels an import task.
type CancelImportInput struct {
	ID     string
	Reason string
}

// Validate checks everything that needs no store.
func (in CancelImportInput) Validate() error {
	if in.ID == "" {
		return fault.Coded(fault.Invalid, "MissingParameter", "The request must contain the parameter ImportTaskId")
	}
	if err := CheckImportTaskID(in.ID); err != nil {
		return err
	}
	if utf8.RuneCountInString(in.Reason) > MaxCancelReason {
		return fault.Coded(fault.Invalid, "InvalidParameterValue", "The cancel reason is longer than %d characters", MaxCancelReason)
	}
	return nil
}

// Cancelled is CancelImportTask's answer: the task, the status it had and
// the one it has now.
type Cancelled struct {
	TaskID         string
	PreviousStatus TaskStatus
	Status         TaskStatus
}

// CancelImport cancels one of caller's import tasks that is still active:
// it is deleted, with the reason as its status message, and has made
// nothing (an active task's image does not exist yet). A completed task
// is refused (IncorrectState): its image exists, and is deregistered
// instead; so is a task already cancelled. Tollgate's own imports complete
// in the request that makes them, so only a task stored active, as an
// import still converting would be, can be cancelled.
func (s *Service) CancelImport(ctx context.Context, caller string, in CancelImportInput) (c Cancelled, err error) {
	defer fault.Annotate(&err, "image: cancel import task %s", in.ID)
	if err := in.Validate(); err != nil {
		return c, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		task, err := tx.ImportTask(in.ID)
		if fault.Is(err, fault.NotFound) || (err == nil && task.Owner != caller) {
			return taskNotFound(in.ID)
		}
		if err != nil {
			return err
		}
		switch task.Status {
		case TaskActive:
		case TaskCompleted:
			return fault.Coded(fault.Conflict, "IncorrectState",
				"The import task %s is completed and cannot be cancelled; deregister its image %s instead", task.ID, task.ImageID)
		default:
			return fault.Coded(fault.Conflict, "IncorrectState", "The import task %s is %s and cannot be cancelled", task.ID, task.Status)
		}
		c = Cancelled{TaskID: task.ID, PreviousStatus: task.Status, Status: TaskDeleting}
		task.Status, task.StatusMessage = TaskDeleted, cmpOr(in.Reason, "Cancelled by the user")
		return tx.PutImportTask(task)
	})
	return c, err
}

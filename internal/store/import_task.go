package store

import (
	"context"

	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/image"
)

// importTaskDoc is the part of an import task no query looks into: the
// store's own shape, mapped to and from image.ImportTask here and nowhere
// else. A field may be added with omitempty; renaming or retyping one
// needs a migration.
type importTaskDoc struct {
	Description  string          `json:"description,omitempty"`
	Architecture string          `json:"architecture,omitempty"`
	Platform     string          `json:"platform,omitempty"`
	LicenseType  string          `json:"license_type,omitempty"`
	BootMode     string          `json:"boot_mode,omitempty"`
	Encrypted    bool            `json:"encrypted,omitempty"`
	Disks        []importDiskDoc `json:"disks,omitempty"`
	// StatusMessage is the reason a cancelled task was given.
	StatusMessage string `json:"status_message,omitempty"`
}

type importDiskDoc struct {
	Description string `json:"description,omitempty"`
	DeviceName  string `json:"device_name,omitempty"`
	Format      string `json:"format,omitempty"`
	SnapshotID  string `json:"snapshot_id,omitempty"`
	URL         string `json:"url,omitempty"`
	S3Bucket    string `json:"s3_bucket,omitempty"`
	S3Key       string `json:"s3_key,omitempty"`
	SizeGiB     int64  `json:"size_gib,omitempty"`
}

func importTaskDocOf(t image.ImportTask) importTaskDoc {
	return importTaskDoc{Description: t.Description, Architecture: t.Architecture, Platform: string(t.Platform),
		LicenseType: t.LicenseType, BootMode: t.BootMode, Encrypted: t.Encrypted, StatusMessage: t.StatusMessage,
		Disks: mapSlice(t.Disks, func(d image.ImportDisk) importDiskDoc { return importDiskDoc(d) })}
}

func (d importTaskDoc) fill(t *image.ImportTask) {
	t.Description, t.Architecture, t.Platform, t.LicenseType = d.Description, d.Architecture, image.Platform(d.Platform), d.LicenseType
	t.BootMode, t.Encrypted, t.StatusMessage = d.BootMode, d.Encrypted, d.StatusMessage
	t.Disks = mapSlice(d.Disks, func(d importDiskDoc) image.ImportDisk { return image.ImportDisk(d) })
}

const selectImportTask = `SELECT id, owner, status, image_id, created_at, doc FROM import_image_tasks k`

func scanImportTask(row scanner) (image.ImportTask, error) {
	var t image.ImportTask
	var created int64
	var doc string
	if err := row.Scan(&t.ID, &t.Owner, &t.Status, &t.ImageID, &created, &doc); err != nil {
		return image.ImportTask{}, err
	}
	var d importTaskDoc
	if err := decodeDoc(doc, &d, "import task "+t.ID); err != nil {
		return image.ImportTask{}, err
	}
	d.fill(&t)
	t.CreatedAt = fromNanos(created)
	return t, nil
}

// ImportTasks returns the import tasks q selects, in ID order.
func (s *Images) ImportTasks(ctx context.Context, q image.ImportTaskQuery) (out []image.ImportTask, err error) {
	defer fault.Annotate(&err, "store: list the import tasks of %s", q.Owner)
	c := &conds{dialect: s.db.dialect}
	c.add(`k.owner = ?`, q.Owner)
	if len(q.IDs) > 0 {
		c.anyOf("k.id", q.IDs)
	}
	if q.After != "" {
		c.add(`k.id > ?`, q.After)
	}
	for _, f := range q.Filters {
		if f.Name == "task-state" {
			c.matches("k.status", f.Values)
		} else if !c.tagged(q.Owner, "k.id", f.Name, f.Values) {
			return nil, fault.New(fault.Internal, "store: no SQL for the import task filter %q", f.Name)
		}
	}
	query := c.limited(selectImportTask+c.sql()+` ORDER BY k.id`, q.Limit)
	rows, err := s.db.queryUncached(ctx, query, c.args...)
	return collectRows(s.db, rows, err, scanImportTask)
}

func (t *imageTx) CreateImportTask(task image.ImportTask) error {
	doc, err := encodeDoc(importTaskDocOf(task), "import task")
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(`INSERT INTO import_image_tasks (id, owner, status, image_id, created_at, doc) VALUES (?, ?, ?, ?, ?, ?)`,
		task.ID, task.Owner, string(task.Status), task.ImageID, task.CreatedAt.UnixNano(), doc)
	return t.tx.db.classify(err)
}

func (t *imageTx) ImportTask(id string) (image.ImportTask, error) {
	task, err := scanImportTask(t.tx.QueryRow(selectImportTask+` WHERE k.id = ?`, id))
	return task, t.tx.db.classify(err)
}

func (t *imageTx) PutImportTask(task image.ImportTask) error {
	doc, err := encodeDoc(importTaskDocOf(task), "import task")
	if err != nil {
		return err
	}
	res, err := t.tx.Exec(`UPDATE import_image_tasks SET status = ?, image_id = ?, doc = ? WHERE id = ?`,
		string(task.Status), task.ImageID, doc, task.ID)
	return rowChanged(t.tx.db, res, err, "import task "+task.ID)
}

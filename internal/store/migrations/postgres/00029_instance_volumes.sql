-- +goose Up
-- Volumes, one row each, so that DescribeVolumes reads a page of them in
-- volume ID order instead of every instance of the caller. The volume
-- itself stays in its instance's document (instance_doc.go); this is an
-- index of it, written with the instance, that keeps what the listing
-- needs: whose it is, whose part it is, and whether it goes when its
-- instance is terminated.
CREATE TABLE instance_volumes (
    owner                 TEXT NOT NULL,
    volume_id             TEXT NOT NULL,
    instance_id           TEXT NOT NULL REFERENCES instances (id),
    delete_on_termination INTEGER NOT NULL,
    PRIMARY KEY (owner, volume_id)
);
CREATE INDEX instance_volumes_by_instance ON instance_volumes (instance_id);

INSERT INTO instance_volumes (owner, volume_id, instance_id, delete_on_termination)
SELECT i.owner, v.value ->> 'volume_id', i.id,
       CASE WHEN COALESCE((v.value ->> 'delete_on_termination')::boolean, false) THEN 1 ELSE 0 END
FROM instances i, jsonb_array_elements(COALESCE(i.doc::jsonb -> 'volumes', '[]'::jsonb)) v;

-- +goose Down
DROP TABLE instance_volumes;

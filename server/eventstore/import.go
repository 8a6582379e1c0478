package eventstore

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/phonebalance/phonebalance/eventlog"
	bolt "go.etcd.io/bbolt"
)

// importChunk is how many events one import transaction stores.
const importChunk = 20000

// importLegacy imports dir/events.jsonl, the store of older versions, into
// a new dir/events.db, if the first exists and the second does not. Every
// line must be an event whose seq is above the previous line's; the first
// that is not fails the import with an *ImportError naming it, leaving no
// events.db and the old file untouched. The import is built under a
// temporary name and renamed into place when complete, so a crash during
// it leaves nothing half imported; the old file is then renamed with
// ImportedSuffix. Applied starts at 0 (the old file did not record it):
// the replica's log replayed at start adds the events it holds beyond
// the file's.
func importLegacy(dir string) error {
	dbPath := filepath.Join(dir, FileName)
	if _, err := os.Stat(dbPath); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	legacy := filepath.Join(dir, LegacyFileName)
	f, err := os.Open(legacy)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	tmp := dbPath + ".import"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	db, err := openBolt(tmp, false)
	if err != nil {
		return err
	}
	if err := importLines(db, legacy, f); err != nil {
		db.Close()
		os.Remove(tmp)
		return err
	}
	if err := db.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	if err := os.Rename(legacy, legacy+ImportedSuffix); err != nil {
		return err
	}
	return syncDir(dir)
}

// importLines stores the events of the old file r (named path) in db, in
// chunks.
func importLines(db *bolt.DB, path string, r *os.File) error {
	if err := initStore(db); err != nil {
		return err
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), eventlog.MaxLineBytes)
	var (
		line    int
		lastSeq uint64
		count   int
		chunk   []eventlog.Event
	)
	flush := func() error {
		err := db.Update(func(tx *bolt.Tx) error {
			b, _, err := wsBuckets(tx, LegacyWorkspace, false)
			if err != nil {
				return err
			}
			if err := putEvents(b, chunk); err != nil {
				return err
			}
			return putCounters(b.meta, lastSeq, count)
		})
		chunk = chunk[:0]
		return err
	}
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var ev eventlog.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			return &ImportError{Path: path, Line: line, Err: fmt.Errorf("%w: %w", eventlog.ErrDecode, err)}
		}
		if !ev.Kind.Valid() {
			return &ImportError{Path: path, Line: line, Err: fmt.Errorf("%w: %w", eventlog.ErrDecode, errNoKind)}
		}
		if ev.Seq <= lastSeq {
			return &ImportError{Path: path, Line: line, Err: fmt.Errorf("seq %d does not follow seq %d", ev.Seq, lastSeq)}
		}
		lastSeq = ev.Seq
		count++
		chunk = append(chunk, ev)
		if len(chunk) == importChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return &ImportError{Path: path, Line: line + 1, Err: err}
	}
	return flush()
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

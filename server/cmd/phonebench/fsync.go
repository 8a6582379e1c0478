package main

import (
	"os"
	"path/filepath"
	"slices"
	"time"
)

// fsyncBlock is the write each fsync makes durable: one 4 KiB page, the
// size of a small raft append.
const fsyncBlock = 4 << 10

// fsyncWrap bounds the file: writes go back to its start past 64 MiB.
const fsyncWrap = 64 << 20

// runFsync measures the disk under dir: one goroutine appends 4 KiB to a
// file and fsyncs it, in a loop, for l.duration or l.calls rounds (if
// above 0), whichever ends first. A durable log with one writer commits
// at most this often; raft gets more commands through by batching those
// that wait into one append.
func runFsync(dir string, l load) (tally, error) {
	f, err := os.OpenFile(filepath.Join(dir, "fsync.dat"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return tally{}, err
	}
	defer f.Close()
	block := make([]byte, fsyncBlock)
	for i := range block {
		block[i] = byte(i)
	}
	var t tally
	start, meter := time.Now(), startIdle()
	deadline := start.Add(l.duration)
	var off int64
	for (l.calls == 0 || t.ops < int64(l.calls)) && time.Now().Before(deadline) {
		s := time.Now()
		if _, err := f.WriteAt(block, off); err != nil {
			return t, err
		}
		if err := f.Sync(); err != nil {
			return t, err
		}
		t.lat = append(t.lat, time.Since(s))
		t.ops++
		if off += fsyncBlock; off >= fsyncWrap {
			off = 0
		}
	}
	t.elapsed, t.idle = time.Since(start), meter.fraction()
	slices.Sort(t.lat)
	return t, nil
}

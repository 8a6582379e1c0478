package eventstore_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/phonebalance/phonebalance/server/eventstore"
)

// A copy holds the store as it was when begun, and a store opened on it
// resumes after its applied index. Check says whether the store serves.
func TestCopy(t *testing.T) {
	s := open(t, eventstore.Config{Dir: t.TempDir()})
	mustAppend(t, s, eventstore.Entry{Index: 3, Workspace: ws, Events: callEvents(1, "c1")})
	c, err := s.Copy()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, eventstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.WriteTo(f)
	if err != nil || n != c.Size() || c.Applied() != 3 {
		t.Fatalf("copy: %d bytes of %d, applied %d, %v", n, c.Size(), c.Applied(), err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, eventstore.Entry{Index: 4, Workspace: ws, Events: callEvents(3, "c2")})
	restored := open(t, eventstore.Config{Dir: dir})
	if got := replayed(t, restored); !slices.Equal(got, []uint64{1, 2}) || restored.Applied() != 3 {
		t.Fatalf("the copy holds %v at applied %d", got, restored.Applied())
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Check(); err != eventstore.ErrClosed {
		t.Fatalf("Check after Close: %v", err)
	}
	if _, err := s.Copy(); err != eventstore.ErrClosed {
		t.Fatalf("Copy after Close: %v", err)
	}
}

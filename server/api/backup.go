package api

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/phonebalance/phonebalance/server/backup"
	"github.com/phonebalance/phonebalance/server/eventstore"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"github.com/phonebalance/phonebalance/server/promexport"
)

// backupWriteTime bounds sending a backup to the client.
const backupWriteTime = time.Hour

// GET /v1/cluster/backup (admin): a consistent copy of this node, as a
// tar file (package backup): the state machine's snapshot and the event
// store at the same raft index. The state machine is held at its applied
// index while the event store catches up with it and a read transaction
// of the store begins (milliseconds); the store is then copied to a
// temporary file in Config.BackupDir (while it is, an append that must
// grow the store's file waits), and the archive is streamed from there.
// A follower's backup is as of its own applied index.
func (s *Server) backup(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	var cp *eventstore.Copy
	snapshot, index, err := s.rt.Node().Capture(func(index uint64) error {
		if err := s.rt.WaitApplied(ctx, index); err != nil {
			return err
		}
		c, err := s.rt.Store().Copy()
		if err != nil {
			return err
		}
		if c.Applied() != index {
			c.Close()
			return fmt.Errorf("the event store holds index %d, the state machine %d", c.Applied(), index)
		}
		cp = c
		return nil
	})
	if err != nil {
		s.writeError(w, r, fmt.Errorf("backup: %w", err))
		return
	}
	tmp, err := os.CreateTemp(s.backupDir, "backup-*.db.partial")
	if err != nil {
		cp.Close()
		s.writeError(w, r, fmt.Errorf("backup: %w", err))
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	size, err := cp.WriteTo(tmp)
	cp.Close()
	if err == nil {
		_, err = tmp.Seek(0, 0)
	}
	if err != nil {
		s.writeError(w, r, fmt.Errorf("backup: copying the event store: %w", err))
		return
	}
	version, revision := promexport.BuildVersion()
	m := backup.Manifest{Created: s.rt.Now().UTC(), Node: s.rt.Node().ID(), Server: version + " " + revision, Index: index}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(backupWriteTime))
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="phonebalance-%d.tar"`, index))
	w.Header().Set("Cache-Control", "no-store")
	if err := backup.Write(w, m, snapshot, tmp, size); err != nil {
		// The status is sent: the client sees a short archive, which
		// restore refuses (its manifest comes last).
		s.logger.ErrorContext(r.Context(), "backup: sending the archive", "err", err)
	}
}

// backupRoute mounts GET /v1/cluster/backup for the admin only.
func (s *Server) backupRoute(m *http.ServeMux) {
	m.Handle("GET /v1/cluster/backup", httpedge.RequireRole(http.HandlerFunc(s.backup), httpedge.RoleAdmin))
}

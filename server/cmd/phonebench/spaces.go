package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/core"
)

// The spaces layer: what many workspaces cost one node. It creates
// -workspaces workspaces (through the registry, as POST /v1/workspaces
// does), each with one team of -workspace-teammates available teammates,
// on one durable core runtime; measures the Go heap the idle workspaces
// hold, the raft snapshot (taken as a backup takes it: its size, the
// time to take it, and the time a new node takes to start from it); then
// runs the call mix spread over every workspace: client c places its
// i-th call in workspace (c + i*clients) mod N, rings whoever is free,
// answers and ends it (three commands a call, like the core layer's mix
// without the breaks).

// spaceLoad is the spaces layer's size.
type spaceLoad struct {
	workspaces, teammates int
}

// spaceFigures are the spaces layer's figures besides its rate.
type spaceFigures struct {
	Workspaces int `json:"workspaces"`
	Teammates  int `json:"teammates_per_workspace"`
	// SetupSeconds is how long creating and filling the workspaces took
	// (1 + 2*teammates + 1 commands each, from the layer's clients).
	SetupSeconds float64 `json:"setup_seconds"`
	// HeapKiBPerWorkspace is the live Go heap the idle workspaces added,
	// per workspace (after a GC, before any call).
	HeapKiBPerWorkspace float64 `json:"heap_kib_per_workspace"`
	// HeapMiB is the live heap with every workspace idle.
	HeapMiB float64 `json:"heap_mib"`
	// SnapshotMiB and SnapshotMs are the raft snapshot of the whole state
	// machine and the time Capture took to make it (the engines copied
	// while the state machine is held, then encoded).
	SnapshotMiB float64 `json:"snapshot_mib"`
	SnapshotMs  float64 `json:"snapshot_ms"`
	// SnapshotPauseMs is the part of SnapshotMs during which the state
	// machine is held (the engines copied; nothing applies on the node):
	// raft's own snapshots pause applying as long.
	SnapshotPauseMs float64 `json:"snapshot_pause_ms"`
	// RestoreMs is the time a new node took from the snapshot installed
	// in an empty directory to serving reads of the last workspace.
	RestoreMs float64 `json:"restore_ms"`
}

// liveHeap returns the live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// spaceID is the i-th workspace's ID.
func spaceID(i int) replica.WorkspaceID { return replica.WorkspaceID(fmt.Sprintf("ws-%04d", i)) }

// runSpaces runs the spaces layer in dir.
func runSpaces(ctx context.Context, dir string, l load, sl spaceLoad) (tally, spaceFigures, error) {
	f := spaceFigures{Workspaces: sl.workspaces, Teammates: sl.teammates}
	if err := os.MkdirAll(filepath.Join(dir, "node"), 0o700); err != nil {
		return tally{}, f, err
	}
	rt, err := openCore(ctx, filepath.Join(dir, "node"))
	if err != nil {
		return tally{}, f, err
	}
	defer rt.Close()
	heap0 := liveHeap()
	start := time.Now()
	if err := fillSpaces(ctx, rt, l.clients, sl); err != nil {
		return tally{}, f, err
	}
	f.SetupSeconds = time.Since(start).Seconds()
	if err := rt.CatchUp(ctx); err != nil {
		return tally{}, f, err
	}
	heap1 := liveHeap()
	f.HeapMiB = float64(heap1) / (1 << 20)
	f.HeapKiBPerWorkspace = (float64(heap1) - float64(heap0)) / 1024 / float64(max(sl.workspaces, 1))

	t0 := time.Now()
	snap, _, err := rt.Node().Capture(func(uint64) error {
		f.SnapshotPauseMs = ms(time.Since(t0))
		return nil
	})
	if err != nil {
		return tally{}, f, fmt.Errorf("snapshot: %w", err)
	}
	f.SnapshotMs, f.SnapshotMiB = ms(time.Since(t0)), float64(len(snap))/(1<<20)
	if f.RestoreMs, err = restoreSpaces(ctx, filepath.Join(dir, "restored"), snap, spaceID(sl.workspaces-1)); err != nil {
		return tally{}, f, fmt.Errorf("restore: %w", err)
	}
	snap = nil
	return runSpaceMix(ctx, rt, l, sl), f, nil
}

// fillSpaces creates the workspaces and their teams and teammates, from
// clients goroutines.
func fillSpaces(ctx context.Context, rt *core.Runtime, clients int, sl spaceLoad) error {
	var next atomic.Int64
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= sl.workspaces || ctx.Err() != nil {
					return
				}
				if err := fillSpace(ctx, rt, spaceID(i), sl.teammates); err != nil {
					errs <- fmt.Errorf("%s: %w", spaceID(i), err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return errors.Join(<-errs, ctx.Err())
}

// fillSpace creates workspace id with team "support" of n teammates.
func fillSpace(ctx context.Context, rt *core.Runtime, id replica.WorkspaceID, n int) error {
	if _, err := rt.CreateWorkspace(ctx, id, nil); err != nil {
		return err
	}
	w, err := rt.Workspace(id)
	if err != nil {
		return err
	}
	d := doDriver{submit: w.Do}
	if err := d.addTeam(ctx, "support"); err != nil {
		return err
	}
	for j := range n {
		tm := fmt.Sprintf("tm-%03d", j)
		if err := d.addTeammate(ctx, tm); err != nil {
			return err
		}
		if err := d.addMember(ctx, "support", tm); err != nil {
			return err
		}
	}
	return nil
}

// restoreSpaces installs snap in the empty directory dir, opens a node on
// it and returns the milliseconds until it serves a read of workspace
// last.
func restoreSpaces(ctx context.Context, dir string, snap []byte, last replica.WorkspaceID) (float64, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	t0 := time.Now()
	if _, err := replica.InstallSnapshot(dir, "node-1", "", snap); err != nil {
		return 0, err
	}
	rt, err := core.Open(core.Config{Dir: dir, Engine: assign.DefaultConfig(), Logger: quietLogger()})
	if err != nil {
		return 0, err
	}
	defer rt.Close()
	for {
		w, err := rt.Workspace(last)
		if err == nil {
			if ok, _ := w.View(func(*assign.Engine) {}); ok {
				return ms(time.Since(t0)), nil
			}
		}
		if err := pause(ctx, time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// runSpaceMix runs calls spread over every workspace and returns the
// tally of the timed commands.
func runSpaceMix(ctx context.Context, rt *core.Runtime, l load, sl spaceLoad) tally {
	drivers := make([]doDriver, sl.workspaces)
	for i := range drivers {
		w, _ := rt.Workspace(spaceID(i)) // made by fillSpaces
		drivers[i] = doDriver{submit: w.Do}
	}
	return runClients(ctx, l, func(c, i int, timed func(func() error) bool) bool {
		return placeCall(ctx, drivers[(c+i*l.clients)%len(drivers)], callID(c, i), "support", timed)
	})
}

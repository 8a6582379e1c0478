package replica

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/stretchr/testify/require"
)

// helperEnv selects the child process's mode when the test binary runs
// itself; helperDirEnv names its data directory.
const (
	helperEnv    = "REPLICA_TEST_HELPER"
	helperDirEnv = "REPLICA_TEST_DIR"
)

// runHelper runs a child process mode and returns its exit code.
func runHelper(mode string) int {
	if mode != "traffic" {
		fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
		return 2
	}
	if err := trafficHelper(os.Getenv(helperDirEnv)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// trafficHelper runs a one-node replica on dir and submits calls from four
// goroutines, printing "ok <call>" once each is committed, until it is
// killed (or, as a bound, after 60 s).
func trafficHelper(dir string) error {
	clk := newMock(t0)
	n, err := Open(Config{Dir: dir, Engine: assign.DefaultConfig(), Clock: clk, Logger: quietLogger()})
	if err != nil {
		return err
	}
	defer n.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for !n.IsLeader() {
		select {
		case <-n.LeaderCh():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	const ws = WorkspaceID("default")
	for _, c := range []assign.Command{
		{Op: assign.OpAddTeam, Team: "support", Name: "Support"},
		{Op: assign.OpAddTeammate, Teammate: "ana", Name: "Ana", Presence: available},
		{Op: assign.OpAddTeammate, Teammate: "ben", Name: "Ben", Presence: available},
		{Op: assign.OpAddMember, Team: "support", Teammate: "ana"},
		{Op: assign.OpAddMember, Team: "support", Teammate: "ben"},
	} {
		if _, err := n.Do(ctx, ws, c); err != nil {
			return err
		}
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				clk.Add(time.Second)
				id := pb.CallID(fmt.Sprintf("call-%d-%d", w, i))
				if _, err := n.Do(ctx, ws, assign.Command{Op: assign.OpArrive, Call: id, Team: "support"}); err != nil {
					return
				}
				out.Lock()
				fmt.Fprintln(os.Stdout, "ok", id)
				out.Unlock()
			}
		})
	}
	wg.Wait()
	return nil
}

// A one-node replica in a child process is killed with SIGKILL in the
// middle of its traffic and restarted on its data directory an hour later:
// every call it acknowledged is there, and the rings that timed out while
// it was down fire on restart, each dated at its own deadline.
// Rule: AS5
func TestSIGKILLLosesNothingCommitted(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=traffic", helperDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	var acked []pb.CallID
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		id, ok := strings.CutPrefix(lines.Text(), "ok ")
		require.True(t, ok, "child said %q", lines.Text())
		acked = append(acked, pb.CallID(id))
		if len(acked) == 80 {
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL)) // by PID
		}
	}
	err = cmd.Wait()
	require.Error(t, err)
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "the child was killed: %v", err)
	require.GreaterOrEqual(t, len(acked), 80)

	restart := t0.Add(time.Hour)
	j := newJournal()
	onApply, deliver := j.hooks("node-1")
	n, err := Open(Config{Dir: dir, Engine: assign.DefaultConfig(), Clock: newMock(restart), Logger: quietLogger(),
		OnApply: onApply, Deliver: deliver, TuneRaft: fastRaft})
	require.NoError(t, err)
	defer n.Close()
	waitLeader(t, 10*time.Second, n)
	eventually(t, 10*time.Second, "the deadlines due at restart to fire", func() bool {
		now := time.Time{}
		_ = n.View("default", func(e *assign.Engine) { now = e.Now() })
		return !now.Before(restart)
	})
	// OnApply runs after the state machine's lock is released: a barrier
	// makes sure it has seen every entry the View did.
	require.NoError(t, n.raft().Barrier(10*time.Second).Error())
	require.NoError(t, n.View("default", func(e *assign.Engine) {
		for _, id := range acked {
			_, ok := e.Call(id)
			require.True(t, ok, "acknowledged call %s lost", id)
		}
		next, ok := e.NextDeadline()
		require.True(t, !ok || next.After(restart), "nothing overdue after restart")
	}))

	offered := map[string]time.Time{} // call/teammate -> ring deadline
	firedLate := 0
	for _, ev := range j.events("default") {
		key := string(ev.Call) + "/" + string(ev.Teammate)
		switch ev.Kind {
		case eventlog.CallOffered:
			offered[key] = ev.Deadline
		case eventlog.CallMissed:
			require.Equal(t, offered[key], ev.At, "miss of %s dated at its deadline", key)
			if ev.EntryAt.Equal(restart) && ev.At.Before(restart) {
				firedLate++
			}
		}
	}
	require.Positive(t, firedLate, "rings due while the node was down fire on restart")
	require.Empty(t, j.problemList())
}

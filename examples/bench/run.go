package main

import (
	"fmt"
	"testing"

	"github.com/phonebalance/phonebalance/examples/bench/suite"
)

// decisionRow names the rows of the engine's assignment decision
// (NextInLine); offerCycleRow the rows of a whole offer through the
// commands: Arrive (decide and ring), ReportAssignment, HangUp.
const (
	decisionRow   = "decision"
	offerCycleRow = "offer cycle (arrive, report, hang up)"
)

// baselines are the decision baselines, by the name rows give them.
var baselines = []struct {
	name  string
	bench func(n int) func(*testing.B)
}{
	{"linear-scan", suite.LinearDecision},
	{"sqlite-index", suite.SQLiteDecision},
	{"sqlite-sorted", suite.SQLiteSortedDecision},
}

// measure runs one benchmark and refuses a failed one.
func measure(name string, f func(*testing.B)) (testing.BenchmarkResult, error) {
	r := testing.Benchmark(f)
	if r.N == 0 {
		return r, fmt.Errorf("benchmark %s failed", name)
	}
	return r, nil
}

func nsPerOp(r testing.BenchmarkResult) float64 {
	return float64(r.T.Nanoseconds()) / float64(r.N)
}

// run measures everything for the given team sizes and hands each row to
// out as it is measured.
func run(sizes []int, out output) ([]row, error) {
	var rows []row
	emit := func(r row) error {
		rows = append(rows, r)
		return out.add(r)
	}
	for _, n := range sizes {
		ours, err := measure("engine decision", suite.EngineNextInLine(n))
		if err != nil {
			return nil, err
		}
		cycle, err := measure("engine offer cycle", suite.EngineDecision(n))
		if err != nil {
			return nil, err
		}
		for _, bl := range baselines {
			theirs, err := measure(bl.name, bl.bench(n))
			if err != nil {
				return nil, err
			}
			for _, o := range []struct {
				name string
				res  testing.BenchmarkResult
			}{{decisionRow, ours}, {offerCycleRow, cycle}} {
				r := row{Name: o.name, Teammates: n, NsPerOp: nsPerOp(o.res),
					AllocsPerOp: o.res.AllocsPerOp(), Baseline: bl.name, BaselineNsPerOp: nsPerOp(theirs),
					BaselineAllocs: theirs.AllocsPerOp()}
				r.Ratio = r.BaselineNsPerOp / r.NsPerOp
				if err := emit(r); err != nil {
					return nil, err
				}
			}
		}
	}
	const n = 15000
	for _, w := range []struct {
		name     string
		bench    func(*testing.B)
		commands int
	}{
		{"whole call (arrive, ring, answer, end, wrap-up)", suite.WholeCall(n, false), suite.CallCommands},
		{"whole call with metrics observation", suite.WholeCall(n, true), suite.CallCommands},
		{"exclusion churn (arrive, decline, answer, end)", suite.ExclusionChurn(n), 4},
	} {
		res, err := measure(w.name, w.bench)
		if err != nil {
			return nil, err
		}
		ns := nsPerOp(res)
		if err := emit(row{Name: w.name, Teammates: n, NsPerOp: ns, AllocsPerOp: res.AllocsPerOp(),
			CommandsPerSecond: float64(w.commands) * 1e9 / ns}); err != nil {
			return nil, err
		}
	}
	if err := runIssue11(emit); err != nil {
		return nil, err
	}
	for _, m := range sizes {
		if m < 1000 {
			continue
		}
		bpt, err := suite.BytesPerTeammate(m)
		if err != nil {
			return nil, err
		}
		if err := emit(row{Name: "memory", Teammates: m, BytesPerTeammate: bpt}); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// The rows of issue 11, by the names it gives them. They run at every
// size, -short or not.
const (
	treeLimitRow       = "tree limit"
	fullCallRow        = "full call"
	fullCallMetricsRow = "full call with metrics"
	liveFullCallRow    = "live full call"
	excludedBacklogRow = "excluded backlog"
)

// issue11Sizes are the team sizes of the full-call rows, and
// backlogSizes the waiting calls of the excluded-backlog rows.
var (
	issue11Sizes = []int{100, 1000, 15000, 100000}
	backlogSizes = []int{100, 1000, 10000}
)

// runIssue11 measures the whole-call rows and the excluded backlog. Each
// benchmark builds its own fixture, dropped once its row is measured.
func runIssue11(emit func(row) error) error {
	add := func(name string, teammates, waiting, commands int, bench func(*testing.B)) error {
		res, err := measure(name, bench)
		if err != nil {
			return err
		}
		ns := nsPerOp(res)
		r := row{Name: name, Teammates: teammates, NsPerOp: ns, AllocsPerOp: res.AllocsPerOp(),
			WaitingCalls: waiting}
		if commands > 0 {
			apc := float64(res.MemAllocs) / float64(res.N) / float64(commands)
			r.AllocsPerCommand = &apc
			r.CommandsPerSecond = float64(commands) * 1e9 / ns
		}
		return emit(r)
	}
	for _, n := range issue11Sizes {
		for _, w := range []struct {
			name     string
			bench    func(int) func(*testing.B)
			commands int
		}{
			{treeLimitRow, suite.TreeLimit, 0},
			{fullCallRow, suite.FullCall, suite.FullCallCommands},
			{fullCallMetricsRow, suite.FullCallWithMetrics, suite.FullCallCommands},
			{liveFullCallRow, suite.LiveFullCall, suite.FullCallCommands},
		} {
			if err := add(w.name, n, 0, w.commands, w.bench(n)); err != nil {
				return err
			}
		}
	}
	for _, w := range backlogSizes {
		if err := add(excludedBacklogRow, suite.BacklogTeammates, w, 1, suite.ExcludedBacklog(w)); err != nil {
			return err
		}
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/internal/testtool"
)

// withSIP returns layers, and the sip layer after them when SIPp is
// installed; under CI a missing SIPp fails the test (testtool.InCI).
func withSIP(t *testing.T, layers ...string) []string {
	t.Helper()
	if testtool.Find(testtool.SIPp) != "" {
		return append(layers, "sip")
	}
	if testtool.InCI() {
		t.Fatal("SIPp is required under CI (apt-get install sip-tester)")
	}
	t.Log("the sip layer is skipped: SIPp is not installed (apt-get install sip-tester)")
	return layers
}

// TestPhonebenchSmoke runs every layer for a fixed small number of calls,
// the nodes in this process, and checks that each layer completed exactly
// the commands (or calls) asked for without one error, and that the
// report compares each layer with the one below it. The SIPp layer runs
// when sipp is on the PATH; under CI a missing sipp fails the test.
func TestPhonebenchSmoke(t *testing.T) {
	layers := withSIP(t, "fsync", "do", "core", "http1", "http3")
	const clients, calls = 4, 6
	o := options{duration: time.Minute, clients: clients, calls: calls, layers: layers, dir: t.TempDir(),
		server: "inprocess", sip: sipLoad{sipp: "sipp", phones: 2}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := run(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.failures(); err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != len(layers) {
		t.Fatalf("%d results for %d layers", len(rep.Results), len(layers))
	}
	wantBelow := map[string]string{"fsync": "", "do": "fsync", "core": "do", "http1": "do", "http3": "http1", "sip": "http1"}
	for i, r := range rep.Results {
		var wantOps, wantCalls int64
		switch r.Layer {
		case "fsync":
			wantOps = calls
		case "sip":
			wantOps, wantCalls = calls, calls
		default:
			wantOps, wantCalls = clients*int64(commandsFor(calls)), clients*calls
		}
		if r.Layer != layers[i] || r.Ops != wantOps || r.Calls != wantCalls {
			t.Errorf("%s (want %s): %d ops, %d calls; want %d and %d", r.Layer, layers[i], r.Ops, r.Calls, wantOps, wantCalls)
		}
		if r.P99ms < r.P50ms || r.P50ms < 0 || r.PerSecond <= 0 {
			t.Errorf("%s: %.0f/s, p50 %v ms, p99 %v ms", r.Layer, r.PerSecond, r.P50ms, r.P99ms)
		}
		if r.Below != wantBelow[r.Layer] || (r.Below != "" && r.Ratio <= 0) {
			t.Errorf("%s: compared with %q (ratio %v), want %q", r.Layer, r.Below, r.Ratio, wantBelow[r.Layer])
		}
		if (r.Layer == "http1" || r.Layer == "http3" || r.Layer == "sip") && r.RSSMiB <= 0 {
			t.Errorf("%s: no RSS", r.Layer)
		}
		// The nodes run in this process: their CPU is this process's.
		mix := r.Layer != "fsync" && r.Layer != "sip"
		if runtime.GOOS == "linux" && mix && (r.CPUPerOpUs <= 0 || r.ServerCPUPerOpUs != 0) {
			t.Errorf("%s: %v µs of CPU per command, %v in server processes; want some, none", r.Layer, r.CPUPerOpUs, r.ServerCPUPerOpUs)
		}
		if r.MachineIdle < 0 || r.MachineIdle > 1 {
			t.Errorf("%s: the machine idle %v of the time", r.Layer, r.MachineIdle)
		}
	}

	var table, js bytes.Buffer
	if err := rep.write(&table, false); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if !strings.Contains(table.String(), r.What) {
			t.Errorf("the table lacks %q:\n%s", r.What, table.String())
		}
	}
	if err := rep.write(&js, true); err != nil {
		t.Fatal(err)
	}
	var back report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Results) != len(layers) {
		t.Fatalf("the JSON does not read back (%v):\n%s", err, js.String())
	}
}

// The deployed path runs: phonebalanced built and started as processes,
// one and three of them (and with -sip when SIPp is installed), every
// command answered without an error.
func TestPhonebenchProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds phonebalanced")
	}
	layers := withSIP(t, "http1", "http3")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin, err := buildServer(ctx, t.TempDir(), raceFlags...)
	if err != nil {
		t.Fatal(err)
	}
	const clients, calls = 3, 4
	rep, err := run(ctx, options{duration: time.Minute, clients: clients, calls: calls, layers: layers,
		dir: t.TempDir(), server: bin, sip: sipLoad{sipp: "sipp", phones: 2}}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.failures(); err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		want := int64(clients * calls)
		if r.Layer == "sip" {
			want = calls
		}
		if r.Calls != want || r.RSSMiB <= 0 {
			t.Errorf("%s: %d calls, RSS %.0f MiB; want %d calls and an RSS", r.Layer, r.Calls, r.RSSMiB, want)
		}
	}
}

// The command's SIPp scenarios are server/sip's test scenarios, the
// caller's with its two response timers added.
func TestScenariosMatchTheSIPTests(t *testing.T) {
	for _, name := range []string{"caller.xml", "phone.xml", "answer.xml"} {
		ours, err := scenarios.ReadFile("scenarios/" + name)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := os.ReadFile(filepath.Join("..", "..", "sip", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		stripped := strings.NewReplacer(` rtd="1"`, "", ` rtd="2"`, "").Replace(string(ours))
		if stripped != string(theirs) {
			t.Errorf("scenarios/%s differs from server/sip/testdata/%s beyond the rtd timers", name, name)
		}
	}
}

// Bad flags are refused with a message.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-layers", "fsync,disk"},
		{"-layers", ","},
		{"-clients", "0"},
		{"-duration", "0s"},
		{"-calls", "-1"},
		{"extra"},
	} {
		var stderr bytes.Buffer
		if _, err := parseFlags(args, &stderr); err == nil || stderr.Len() == 0 {
			t.Errorf("%q: err %v, stderr %q", args, err, stderr.String())
		}
	}
	o, err := parseFlags([]string{"-layers", "do, http1", "-duration", "2s"}, io.Discard)
	if err != nil || strings.Join(o.layers, ",") != "do,http1" || o.duration != 2*time.Second || o.clients != 64 {
		t.Errorf("parsed %+v, %v", o, err)
	}
}

// The spaces layer makes its workspaces, measures them and runs exactly
// the calls asked for over all of them without an error.
func TestSpacesLayer(t *testing.T) {
	const clients, calls = 3, 4
	o := options{duration: time.Minute, clients: clients, calls: calls, layers: []string{"spaces"}, dir: t.TempDir(),
		spaces: spaceLoad{workspaces: 5, teammates: 3}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := run(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.failures(); err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Ops != 3*clients*calls || r.Calls != clients*calls {
		t.Errorf("%d ops, %d calls; want %d and %d", r.Ops, r.Calls, 3*clients*calls, clients*calls)
	}
	f := r.Spaces
	if f == nil || f.Workspaces != 5 || f.SnapshotMiB <= 0 || f.RestoreMs <= 0 || f.HeapMiB <= 0 {
		t.Fatalf("figures %+v", f)
	}
	var out strings.Builder
	if err := rep.write(&out, false); err != nil || !strings.Contains(out.String(), "per idle workspace") {
		t.Fatalf("report: %v\n%s", err, out.String())
	}
}

// Command phonebench measures where a deployed phonebalanced spends its
// time, layer by layer, side by side in one run, on loopback only and
// bounded in time:
//
//   - fsync: the disk under -dir, one 4 KiB write and fsync at a time:
//     the limit of a durable log that is not batched;
//   - do: the replica's Do alone, one durable node (raft on bolt, fsync
//     on every append), -clients goroutines submitting the command mix;
//   - core: the server runtime's Do, which the HTTP handlers call; the
//     runtime also stores every event in events.db, folds the metrics
//     and feeds the subscribers as entries are applied: the HTTP API
//     without HTTP;
//   - http1: the HTTP API of one durable phonebalanced node, -clients
//     clients sending the same mix as JSON requests;
//   - http3: the same against the leader of three nodes (127.0.0.1,
//     127.0.0.2, 127.0.0.3, raft over loopback TCP);
//   - sip: calls through SIP, SIPp placing calls to a team whose
//     teammates are SIPp phones registered with phonebalanced -sip;
//   - spaces: what many workspaces cost one node (-workspaces of
//     -workspace-teammates each): the heap per idle workspace, the raft
//     snapshot's size, capture and restore times, and the core runtime's
//     Do with calls spread over every workspace (see spaces.go).
//
// The mix: each client owns a team of two teammates and runs calls in a
// loop (place, answer, end: three commands) and every fourth call sends
// one teammate on a break and back (3.5 commands a call on average). It
// reports each layer's rate, p50 and p99 latency, the CPU time the
// machine spent per command (clients and servers), and its ratio to the
// layer below it (do to fsync, core and http1 to do, http3 to http1,
// sip's calls to http1's calls).
//
//	go run ./server/cmd/phonebench                               # every layer, 10 s each, 64 clients
//	go run ./server/cmd/phonebench -layers fsync,do,http1 -duration 5s
//	go run ./server/cmd/phonebench -json > deployed.json
//	go run ./server/cmd/phonebench -layers core,spaces -workspaces 1000 -workspace-teammates 50
//	go run ./server/cmd/phonebench -server inprocess -layers http1 -cpuprofile cpu.prof -mutexprofile mutex.prof
//
// By default the nodes are phonebalanced processes built with `go build`
// from this workspace (or -server PATH); -server inprocess runs them in
// this process instead (without the dashboard), so that -cpuprofile and
// -mutexprofile cover the server.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	rep, err := run(ctx, o, os.Stderr)
	if err == nil {
		err = rep.write(os.Stdout, o.json)
	}
	if err == nil {
		err = rep.failures()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "phonebench:", err)
		os.Exit(1)
	}
}

// allLayers are the layers, bottom up.
var allLayers = []string{"fsync", "do", "core", "http1", "http3", "sip", "spaces"}

// options are the command's flags.
type options struct {
	duration   time.Duration
	clients    int
	calls      int
	layers     []string
	dir        string
	server     string
	json       bool
	cpuprofile string
	mutexprof  string
	sip        sipLoad
	spaces     spaceLoad
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("phonebench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each layer runs")
	fs.IntVar(&o.clients, "clients", 64, "concurrent clients (goroutines submitting to Do, HTTP clients)")
	fs.IntVar(&o.calls, "calls", 0, "stop each client after this many calls (fsync: rounds; sip: calls in all); 0: run for -duration")
	layers := fs.String("layers", strings.Join(allLayers, ","), "comma-separated layers to run: "+strings.Join(allLayers, ", "))
	fs.StringVar(&o.dir, "dir", os.TempDir(), "where the data directories are made (removed after): the disk measured")
	fs.StringVar(&o.server, "server", "", "the phonebalanced binary to run; empty: go build it; \"inprocess\": run the nodes in this process")
	fs.BoolVar(&o.json, "json", false, "print the results as JSON instead of a table")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write this process's CPU profile to a file (the server's too with -server inprocess)")
	fs.StringVar(&o.mutexprof, "mutexprofile", "", "write this process's mutex contention profile to a file (the server's too with -server inprocess)")
	fs.StringVar(&o.sip.sipp, "sipp", "sipp", "the SIPp binary (Debian package sip-tester)")
	fs.IntVar(&o.sip.phones, "sip-phones", 8, "SIPp phones answering; the caller keeps this many calls up at once")
	fs.IntVar(&o.sip.pauseMs, "sip-pause", 0, "milliseconds a SIPp phone rings before answering, and a caller talks")
	fs.IntVar(&o.spaces.workspaces, "workspaces", 1000, "spaces: how many workspaces")
	fs.IntVar(&o.spaces.teammates, "workspace-teammates", 50, "spaces: teammates of each workspace (one team)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for l := range strings.SplitSeq(*layers, ",") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if !slices.Contains(allLayers, l) {
			err := fmt.Errorf("-layers: unknown layer %q (have %s)", l, strings.Join(allLayers, ", "))
			fmt.Fprintln(stderr, err)
			return o, err
		}
		o.layers = append(o.layers, l)
	}
	var err error
	switch {
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected arguments: %q", fs.Args())
	case len(o.layers) == 0:
		err = errors.New("-layers: no layer")
	case o.duration <= 0 || o.clients < 1 || o.calls < 0 || o.sip.phones < 1 || o.sip.pauseMs < 0 ||
		o.spaces.workspaces < 1 || o.spaces.teammates < 1:
		err = errors.New("-duration, -clients, -sip-phones, -workspaces and -workspace-teammates must be above 0, -calls and -sip-pause at least 0")
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
	}
	return o, err
}

// result is one layer's figures.
type result struct {
	Layer   string `json:"layer"`
	What    string `json:"what"`
	Unit    string `json:"unit"` // what ops counts: fsyncs, commands or calls
	Clients int    `json:"clients"`
	Ops     int64  `json:"ops"`
	Calls   int64  `json:"calls"`
	Errors  int64  `json:"errors"`
	// FirstError is the first failure, if any.
	FirstError string  `json:"first_error,omitempty"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"per_second"`
	CallsPerS  float64 `json:"calls_per_second"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	// RingP50ms and RingP99ms are, for sip, INVITE to 180 Ringing; P50ms
	// and P99ms are INVITE to the 200 OK of the answer.
	RingP50ms float64 `json:"ring_p50_ms,omitempty"`
	RingP99ms float64 `json:"ring_p99_ms,omitempty"`
	// Below is the layer this one is compared with, and Ratio this
	// layer's rate over that one's (calls for sip, ops otherwise).
	Below string  `json:"below,omitempty"`
	Ratio float64 `json:"ratio,omitempty"`
	// CPUPerOpUs is the CPU time, in microseconds, that the timed run
	// used per op, counting this process (the clients; the nodes too
	// for do, core and -server inprocess) and the server processes
	// (every node's; not SIPp's): what one command costs the machine,
	// whatever else runs on it.
	CPUPerOpUs float64 `json:"cpu_us_per_op,omitempty"`
	// ServerCPUPerOpUs is the server processes' part of CPUPerOpUs (0
	// when the nodes run in this process).
	ServerCPUPerOpUs float64 `json:"server_cpu_us_per_op,omitempty"`
	// MachineIdle is the fraction of the machine's CPU time (all CPUs)
	// left idle during the timed run, by anything: near 0, the CPU bounded
	// the run (this layer, or what else ran on the machine).
	MachineIdle float64 `json:"machine_idle"`
	// RSSMiB is the server's resident memory at the end of the run (the
	// leader's; this whole process's with -server inprocess).
	RSSMiB float64 `json:"rss_mib,omitempty"`
	// Spaces are the spaces layer's figures (nil for the others).
	Spaces *spaceFigures `json:"spaces,omitempty"`
}

// report is a whole run.
type report struct {
	Started  time.Time `json:"started"`
	Host     string    `json:"host"`
	Server   string    `json:"server"`
	Duration string    `json:"duration"`
	LoadAvg  [2]string `json:"loadavg"` // /proc/loadavg before and after
	Results  []result  `json:"results"`
}

func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:min(3, len(strings.Fields(string(b))))], " ")
}

// run runs the layers o asks for, in order, logging progress to logw.
func run(ctx context.Context, o options, logw io.Writer) (*report, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(len(o.layers))*(o.duration+3*time.Minute))
	defer cancel()
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	if o.mutexprof != "" {
		f, err := os.Create(o.mutexprof)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		runtime.SetMutexProfileFraction(1)
		defer func() {
			_ = pprof.Lookup("mutex").WriteTo(f, 0)
			runtime.SetMutexProfileFraction(0)
		}()
	}
	work, err := os.MkdirTemp(o.dir, "phonebench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	rep := &report{Started: time.Now().UTC(), Duration: o.duration.String(), LoadAvg: [2]string{loadAvg()},
		Host: fmt.Sprintf("%s/%s, %d CPUs, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())}
	var lc launcher
	tok := make([]byte, 16)
	_, _ = rand.Read(tok)
	token := hex.EncodeToString(tok)
	needServer := slices.ContainsFunc(o.layers, func(l string) bool { return l == "http1" || l == "http3" || l == "sip" })
	switch {
	case !needServer:
		rep.Server = "none (no layer needs one)"
	case o.server == "inprocess":
		lc, rep.Server = inprocLauncher{tok: token}, "in this process"
	case o.server != "":
		lc, rep.Server = procLauncher{bin: o.server, tok: token}, o.server
	default:
		fmt.Fprintln(logw, "building phonebalanced")
		bin, err := buildServer(ctx, work)
		if err != nil {
			return nil, err
		}
		lc, rep.Server = procLauncher{bin: bin, tok: token}, "phonebalanced processes (go build)"
	}

	l := load{clients: o.clients, duration: o.duration, calls: o.calls}
	for _, layer := range o.layers {
		fmt.Fprintf(logw, "running %s for up to %s\n", layer, o.duration)
		dir := filepath.Join(work, layer)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		r := result{Layer: layer, Clients: o.clients, Unit: "commands"}
		var t tally
		var rss int64
		switch layer {
		case "fsync":
			r.What, r.Unit, r.Clients = "disk: 4 KiB write + fsync", "fsyncs", 1
			t, err = runFsync(dir, load{duration: o.duration, calls: o.calls})
		case "do":
			r.What = "replica Do, 1 durable node"
			t, err = runDo(ctx, dir, l)
		case "core":
			r.What = "core runtime Do, 1 durable node"
			t, err = runCore(ctx, dir, l)
		case "http1":
			r.What = "HTTP API, 1 durable node"
			t, rss, err = runHTTP(ctx, lc, dir, 1, l)
		case "http3":
			r.What = "HTTP API, 3 nodes, to the leader"
			t, rss, err = runHTTP(ctx, lc, dir, 3, l)
		case "sip":
			r.What, r.Unit, r.Clients = "SIP calls (SIPp), INVITE to answer", "calls", o.sip.phones
			t, rss, err = runSIP(ctx, lc, dir, l, o.sip)
		case "spaces":
			r.What = fmt.Sprintf("core runtime Do over %d workspaces", o.spaces.workspaces)
			var f spaceFigures
			t, f, err = runSpaces(ctx, dir, l, o.spaces)
			r.Spaces = &f
		}
		if err != nil {
			return rep, fmt.Errorf("%s: %w", layer, err)
		}
		r.Ops, r.Calls, r.Errors, r.FirstError = t.ops, t.calls, t.errors, t.firstErr
		r.Seconds = t.elapsed.Seconds()
		r.PerSecond, r.CallsPerS = float64(t.ops)/r.Seconds, float64(t.calls)/r.Seconds
		r.P50ms, r.P99ms = ms(percentile(t.lat, 0.50)), ms(percentile(t.lat, 0.99))
		if t.ring != nil {
			r.RingP50ms, r.RingP99ms = ms(percentile(t.ring, 0.50)), ms(percentile(t.ring, 0.99))
		}
		r.RSSMiB = float64(rss) / (1 << 20)
		r.MachineIdle = t.idle
		if t.ops > 0 && t.cpu > 0 {
			r.CPUPerOpUs = float64((t.cpu + t.serverCPU).Microseconds()) / float64(t.ops)
			r.ServerCPUPerOpUs = float64(t.serverCPU.Microseconds()) / float64(t.ops)
		}
		rep.Results = append(rep.Results, r)
	}
	rep.LoadAvg[1] = loadAvg()
	rep.compare()
	return rep, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// compare fills each result's ratio to the layer below it that ran.
func (rep *report) compare() {
	below := map[string][]string{"do": {"fsync"}, "core": {"do"}, "http1": {"do"}, "http3": {"http1", "do"}, "sip": {"http1"},
		"spaces": {"core"}}
	byLayer := map[string]*result{}
	for i := range rep.Results {
		byLayer[rep.Results[i].Layer] = &rep.Results[i]
	}
	for i := range rep.Results {
		r := &rep.Results[i]
		for _, b := range below[r.Layer] {
			if lower, ok := byLayer[b]; ok {
				r.Below = b
				if r.Layer == "sip" {
					r.Ratio = r.CallsPerS / lower.CallsPerS
				} else {
					r.Ratio = r.PerSecond / lower.PerSecond
				}
				break
			}
		}
	}
}

// failures is an error naming the layers where something failed.
func (rep *report) failures() error {
	var errs []error
	for _, r := range rep.Results {
		if r.Errors > 0 {
			errs = append(errs, fmt.Errorf("%s: %d failed; first: %s", r.Layer, r.Errors, r.FirstError))
		}
	}
	return errors.Join(errs...)
}

func (rep *report) write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(w, "%s; %s; nodes: %s; %s per layer; load average %s before, %s after\n\n",
		rep.Started.Format(time.RFC3339), rep.Host, rep.Server, rep.Duration, rep.LoadAvg[0], rep.LoadAvg[1])
	width := len("layer")
	for _, r := range rep.Results {
		width = max(width, len(r.What))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\tclients\trate\tcalls/s\tp50\tp99\terrors\tratio to below\tCPU/op\tidle CPU\tserver RSS\t\n", width, "layer")
	for _, r := range rep.Results {
		ratio, rss, calls, cpu := "", "", "", ""
		if r.Below != "" {
			ratio = fmt.Sprintf("%.2fx %s", r.Ratio, r.Below)
		}
		if r.RSSMiB > 0 {
			rss = fmt.Sprintf("%.0f MiB", r.RSSMiB)
		}
		if r.Calls > 0 {
			calls = fmt.Sprintf("%.0f", r.CallsPerS)
		}
		if r.CPUPerOpUs > 0 {
			cpu = fmt.Sprintf("%.0f µs", r.CPUPerOpUs)
		}
		if r.ServerCPUPerOpUs > 0 {
			cpu = fmt.Sprintf("%.0f µs (server %.0f)", r.CPUPerOpUs, r.ServerCPUPerOpUs)
		}
		fmt.Fprintf(tw, "%-*s\t%d\t%.0f %s/s\t%s\t%.2f ms\t%.2f ms\t%d\t%s\t%s\t%.0f %%\t%s\t\n",
			width, r.What, r.Clients, r.PerSecond, r.Unit, calls, r.P50ms, r.P99ms, r.Errors, ratio, cpu, 100*r.MachineIdle, rss)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rep.Results {
		if r.Layer == "sip" {
			fmt.Fprintf(w, "\nsip: %d phones; INVITE to 180 Ringing p50 %.2f ms, p99 %.2f ms (the gateway rings back before it submits\n"+
				"the arrival); SIPp times responses in steps of its clock tick, a few milliseconds.\n", r.Clients, r.RingP50ms, r.RingP99ms)
		}
		if f := r.Spaces; f != nil {
			fmt.Fprintf(w, "\nspaces: %d workspaces of %d teammates made in %.1f s; live heap %.1f MiB, %.1f KiB per idle workspace;\n"+
				"raft snapshot %.1f MiB taken in %.0f ms (applying paused %.0f ms); a new node restored from it serves in %.0f ms.\n",
				f.Workspaces, f.Teammates, f.SetupSeconds, f.HeapMiB, f.HeapKiBPerWorkspace, f.SnapshotMiB, f.SnapshotMs, f.SnapshotPauseMs, f.RestoreMs)
		}
	}
	return nil
}

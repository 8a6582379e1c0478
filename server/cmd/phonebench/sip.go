package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The SIPp scenarios of server/sip's tests: phone.xml and answer.xml as
// they are there, caller.xml with two response timers added (both started
// with the call's INVITE; rtd 1 stopped by the 180 Ringing, rtd 2 by the
// 200 OK of the answer). TestScenariosMatchTheSIPTests
// keeps them in step.
//
//go:embed scenarios/*.xml
var scenarios embed.FS

const sipDomain = "phonebalance.local"

// sipLoad shapes the SIP run: phones SIPp phones, each answering pauseMs
// after it rings; the caller talks pauseMs, then hangs up, and keeps at
// most phones calls up at once, so no call waits for a phone.
type sipLoad struct {
	sipp    string
	phones  int
	pauseMs int
}

// sipProc is one SIPp process, in its own directory, stopped by its PID.
type sipProc struct {
	cmd  *exec.Cmd
	dir  string
	out  bytes.Buffer
	done chan struct{}
	err  error
}

func startSIPp(bin, dir string, args ...string) (*sipProc, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := &sipProc{dir: dir, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop asks SIPp to place no new call and exit once its calls ended
// (SIGUSR1), and kills it if it has not within limit.
func (p *sipProc) stop(limit time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGUSR1)
	select {
	case <-p.done:
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *sipProc) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// freeUDP returns a UDP address on 127.0.0.1 that was free a moment ago.
func freeUDP() (string, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.LocalAddr().String(), nil
}

// runSIP measures calls through SIP: a node started by lc with its SIP
// gateway, sl.phones SIPp phones registered for team "support", and a
// SIPp caller placing calls to the team for l.duration (or l.calls calls
// in all, if above 0). Each call is an INVITE, ringing, an answer, a
// short talk and a BYE: three engine commands (Arrive, Answer, EndCall)
// and the ring. The tally's latencies are INVITE to 200 OK as the caller
// sees them (the arrival committed, the phone rung, its answer committed,
// and sl.pauseMs of ringing), its ring latencies INVITE to 180 Ringing
// (which the gateway sends before it submits the arrival); its ops are
// the calls SIPp completed.
func runSIP(ctx context.Context, lc launcher, dir string, l load, sl sipLoad) (tally, int64, error) {
	bin, err := exec.LookPath(sl.sipp)
	if err != nil {
		return tally{}, 0, fmt.Errorf("SIPp is required (Debian package sip-tester): %w", err)
	}
	for _, name := range []string{"caller.xml", "phone.xml", "answer.xml"} {
		b, _ := scenarios.ReadFile("scenarios/" + name)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return tally{}, 0, err
		}
	}
	var users strings.Builder
	var phones []string
	for i := range sl.phones {
		id := fmt.Sprintf("phone-%02d", i)
		phones = append(phones, id)
		fmt.Fprintf(&users, "%s:pw-%s\n", id, id)
	}
	usersFile := filepath.Join(dir, "users.txt")
	if err := os.WriteFile(usersFile, []byte(users.String()), 0o600); err != nil {
		return tally{}, 0, err
	}
	listen, err := freeUDP()
	if err != nil {
		return tally{}, 0, err
	}
	nodes, err := startCluster(ctx, lc, filepath.Join(dir, "server"), 1, &sipSpec{listen: listen, usersFile: usersFile})
	defer closeAll(nodes)
	if err != nil {
		return tally{}, 0, err
	}
	d := newHTTPDriver(nodes[0].url(), lc.token(), 1)
	defer d.close()
	if err := d.addTeam(ctx, "support"); err != nil {
		return tally{}, 0, err
	}
	for _, id := range phones {
		// The phone's client is closed until it registers (rule PR3).
		if _, err := d.send(ctx, "POST", ws+"/teammates", `{"id":"`+id+`","name":"`+id+`","client_open":false}`, http.StatusCreated); err != nil {
			return tally{}, 0, err
		}
		if err := d.addMember(ctx, "support", id); err != nil {
			return tally{}, 0, err
		}
	}

	// Every SIPp process is bounded by a global timeout besides our stop.
	bound := strconv.Itoa(int((l.duration + time.Minute).Seconds())) + "s"
	pauseArg := strconv.Itoa(sl.pauseMs)
	var procs []*sipProc
	defer func() {
		for _, p := range procs {
			p.kill()
		}
	}()
	for _, id := range phones {
		p, err := startSIPp(bin, filepath.Join(dir, id), listen, "-i", "127.0.0.1", "-nostdin", "-timeout", bound,
			"-sf", filepath.Join(dir, "phone.xml"), "-oocsf", filepath.Join(dir, "answer.xml"),
			"-set", "want", "1000000000", "-m", "1", "-d", pauseArg,
			"-key", "domain", sipDomain, "-key", "user", id, "-au", id, "-ap", "pw-"+id)
		if err != nil {
			return tally{}, 0, err
		}
		procs = append(procs, p)
	}
	// Wait until every phone registered: its client shows open.
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, id := range phones {
		for {
			b, err := d.send(wctx, "GET", ws+"/teammates/"+id, "", http.StatusOK)
			var tm struct {
				ClientOpen bool `json:"client_open"`
			}
			if err == nil {
				err = json.Unmarshal(b, &tm)
			}
			if err == nil && tm.ClientOpen {
				break
			}
			if werr := pause(wctx, 20*time.Millisecond); werr != nil {
				return tally{}, 0, fmt.Errorf("phone %s did not register: %v", id, err)
			}
		}
	}

	maxCalls := "1000000000"
	if l.calls > 0 {
		maxCalls = strconv.Itoa(l.calls)
	}
	callerDir := filepath.Join(dir, "caller")
	start := time.Now()
	caller, err := startSIPp(bin, callerDir, listen, "-i", "127.0.0.1", "-nostdin", "-timeout", bound,
		"-sf", filepath.Join(dir, "caller.xml"), "-s", "support", "-key", "domain", sipDomain,
		"-m", maxCalls, "-l", strconv.Itoa(sl.phones), "-r", "100000", "-d", pauseArg,
		"-trace_rtt", "-rtt_freq", "1", "-trace_stat", "-stf", filepath.Join(callerDir, "stat.csv"), "-fd", "1")
	if err != nil {
		return tally{}, 0, err
	}
	procs = append(procs, caller)
	select {
	case <-caller.done:
	case <-time.After(l.duration):
		caller.stop(30 * time.Second)
	case <-ctx.Done():
		caller.stop(30 * time.Second)
	}
	t := tally{elapsed: time.Since(start)}
	rss := nodes[0].rss()
	ok, failed, err := sippCounts(filepath.Join(callerDir, "stat.csv"))
	if err != nil {
		return t, rss, fmt.Errorf("%w\n%s", err, tailOf(caller.out.String()))
	}
	t.ops, t.calls, t.errors = ok, ok, failed
	if failed > 0 {
		t.firstErr = fmt.Sprintf("SIPp: %d calls failed: %s", failed, tailOf(caller.out.String()))
	}
	rtt, err := sippRTT(callerDir)
	if err != nil {
		return t, rss, err
	}
	t.lat, t.ring = rtt[2], rtt[1]
	return t, rss, nil
}

func tailOf(s string) string {
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return s
}

// sippCounts reads the cumulative successful and failed calls from the
// last line of SIPp's statistics file (-trace_stat).
func sippCounts(path string) (ok, failed int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma, r.FieldsPerRecord = ';', -1
	rows, err := r.ReadAll()
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return 0, 0, fmt.Errorf("%s: no statistics", path)
	}
	col := func(name string) (int64, error) {
		i := slices.Index(rows[0], name)
		last := rows[len(rows)-1]
		if i < 0 || i >= len(last) {
			return 0, fmt.Errorf("%s: no column %s", path, name)
		}
		return strconv.ParseInt(strings.TrimSpace(last[i]), 10, 64)
	}
	if ok, err = col("SuccessfulCall(C)"); err != nil {
		return 0, 0, err
	}
	failed, err = col("FailedCall(C)")
	return ok, failed, err
}

// sippRTT reads every response time SIPp traced (-trace_rtt -rtt_freq
// 1), sorted, by timer: 1 is INVITE to 180 Ringing, 2 INVITE to 200 OK.
func sippRTT(dir string) (map[int][]time.Duration, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*_rtt.csv"))
	if len(files) == 0 {
		return nil, errors.New("SIPp wrote no response times")
	}
	lat := map[int][]time.Duration{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		r := csv.NewReader(f)
		r.Comma, r.FieldsPerRecord = ';', -1
		rows, err := r.ReadAll()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, row := range rows[min(1, len(rows)):] { // after the header
			if len(row) < 3 {
				return nil, fmt.Errorf("%s: a short line %q", name, row)
			}
			ms, err1 := strconv.ParseFloat(strings.TrimSpace(row[1]), 64)
			timer, err2 := strconv.Atoi(strings.TrimSpace(row[2]))
			if err := errors.Join(err1, err2); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			lat[timer] = append(lat[timer], time.Duration(ms*float64(time.Millisecond)))
		}
	}
	for _, l := range lat {
		slices.Sort(l)
	}
	return lat, nil
}

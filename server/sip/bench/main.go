// Command bench measures the SIP gateway carrying media, with SIPp, on
// this machine (a benchmark, not a test):
//
//   - sustained: SIPp callers at -rate calls per second for -duration,
//     each answered at once with hold music, rung to a SIPp phone that
//     answers and echoes RTP (-rtp_echo), talking for -talk; every
//     caller's audio is the benchmark's own (one UDP socket per call,
//     named in the caller's SDP through SIPp's -inf), which counts a call
//     as carrying media both ways only when its own frames came back
//     through the gateway, the phone's echo and the gateway again. It
//     reports SIPp's failed calls and the calls without media both ways,
//     and the p99 from the caller's INVITE leaving SIPp to the phone's
//     INVITE reaching SIPp (from SIPp's message traces).
//   - hold: for each level of -hold-levels, that many callers wait on hold
//     at once (no phone) for -hold-for; the benchmark measures how late
//     each hold-music packet arrives against its 20 ms grid (from the
//     stream's first packet), and reports the p99 and the share later than
//     20 ms.
//
// The gateway runs in this process on a real runtime (raft, bbolt in a
// temporary directory), as phonebalanced wires it with -sip-media.
//
//	go run ./server/sip/bench -rate 20 -duration 60s
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/media"
	"github.com/phonebalance/phonebalance/server/sip"
	"github.com/pion/rtp"
)

const domain = "bench.test"

func main() {
	rate := flag.Int("rate", 20, "sustained: calls per second")
	duration := flag.Duration("duration", 60*time.Second, "sustained: how long calls are placed")
	talk := flag.Duration("talk", 3*time.Second, "sustained: how long a caller stays after the gateway answers")
	phones := flag.Int("phones", 2, "sustained: SIPp phones (teammates), each taking any number of calls at once")
	levels := flag.String("hold-levels", "100,200,400,800", "hold: concurrent callers on hold, in turn")
	holdFor := flag.Duration("hold-for", 10*time.Second, "hold: how long each level is measured once all its callers are answered")
	only := flag.String("only", "", "run only 'sustained' or 'hold'")
	sippBin := flag.String("sipp", "sipp", "the SIPp binary (Debian sip-tester)")
	flag.Parse()
	dir, err := os.MkdirTemp("", "sipbench")
	check(err)
	defer os.RemoveAll(dir)
	b := &bench{sipp: *sippBin, dir: dir}
	fmt.Printf("cores: %d, %s/%s, %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, sippVersion(*sippBin))
	if *only == "" || *only == "sustained" {
		b.sustained(*rate, *duration, *talk, *phones)
	}
	if *only == "" || *only == "hold" {
		for _, f := range strings.Split(*levels, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			check(err)
			if !b.hold(n, *holdFor) {
				break
			}
		}
	}
}

type bench struct {
	sipp string
	dir  string
	run  int
}

// server is a runtime with the gateway, media on, on loopback.
type server struct {
	rt *core.Runtime
	gw *sip.Gateway
}

func (b *bench) start(phones int) *server {
	b.run++
	data := filepath.Join(b.dir, "data"+strconv.Itoa(b.run))
	check(os.MkdirAll(data, 0o700))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ecfg := assign.DefaultConfig()
	ecfg.CallLimit = 100000 // a phone takes any number of calls: the benchmark loads the gateway, not teammates
	rt, err := core.Open(core.Config{Dir: data, Engine: ecfg, Logger: quiet})
	check(err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for !rt.Node().IsLeader() {
		if ctx.Err() != nil {
			check(errors.New("the node never led"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	users := map[pb.TeammateID]string{}
	cmds := []assign.Command{{Op: assign.OpAddTeam, Team: "support", Name: "support"}}
	for i := range phones {
		id := pb.TeammateID("p" + strconv.Itoa(i+1))
		users[id] = "pw-" + string(id)
		cmds = append(cmds, assign.Command{Op: assign.OpAddTeammate, Teammate: id, Name: string(id),
			Presence: presence.State{Channel: presence.ChannelAll, Status: presence.Active}},
			assign.Command{Op: assign.OpAddMember, Team: "support", Teammate: id})
	}
	for _, c := range cmds {
		_, err := rt.Default().Do(ctx, c)
		check(err)
	}
	gw, err := sip.New(sip.Config{Listen: "127.0.0.1:0", Domain: domain, Users: users, Node: rt.Node(),
		Workspace: core.DefaultWorkspace, Logger: quiet, MaxCalls: 5000, Media: &sip.MediaConfig{}})
	check(err)
	check(gw.Start(ctx))
	rt.SetTelephony(gw)
	return &server{rt: rt, gw: gw}
}

func (s *server) close() {
	_ = s.gw.Close()
	_ = s.rt.Close()
}

// proc is one SIPp process.
type proc struct {
	cmd  *exec.Cmd
	dir  string
	out  bytes.Buffer
	done chan error
}

func (b *bench) sippRun(s *server, name string, args ...string) *proc {
	p := &proc{dir: filepath.Join(b.dir, fmt.Sprintf("%s-%d", name, b.run)), done: make(chan error, 1)}
	check(os.MkdirAll(p.dir, 0o755))
	full := append([]string{s.gw.Addr().String(), "-i", "127.0.0.1", "-nostdin", "-timeout", "600s", "-timeout_error",
		"-max_socket", "5000"}, args...)
	p.cmd = exec.Command(b.sipp, full...)
	p.cmd.Dir = p.dir
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	check(p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	return p
}

func (p *proc) wait(limit time.Duration) error {
	select {
	case err := <-p.done:
		return err
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("killed after %v: %w", limit, <-p.done)
	}
}

// calls reads SIPp's final cumulative count of the row kind ("Successful
// call", "Failed call") from its output; -1 if there is none.
func (p *proc) calls(kind string) int {
	re := regexp.MustCompile(regexp.QuoteMeta(kind) + `\s*\|\s*\d+\s*\|\s*(\d+)`)
	m := re.FindAllStringSubmatch(p.out.String(), -1)
	if len(m) == 0 {
		return -1
	}
	n, _ := strconv.Atoi(m[len(m)-1][1])
	return n
}

func (b *bench) scenario(name string) string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), name)
}

func (b *bench) startPhones(s *server, phones int) []*proc {
	var ps []*proc
	for i := range phones {
		id := "p" + strconv.Itoa(i+1)
		ps = append(ps, b.sippRun(s, "phone-"+id, "-sf", b.scenario("../testdata/phone.xml"),
			"-oocsf", b.scenario("phone_echo.xml"), "-set", "want", "1000000", "-m", "1",
			"-key", "domain", domain, "-key", "user", id, "-au", id, "-ap", "pw-"+id,
			"-rtp_echo", "-mp", strconv.Itoa(31000+10*i), "-trace_msg"))
	}
	return ps
}

// sustained places rate calls a second for d with media both ways.
func (b *bench) sustained(rate int, d, talk time.Duration, phones int) {
	s := b.start(phones)
	defer s.close()
	ps := b.startPhones(s, phones)
	defer func() {
		for _, p := range ps {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}()
	if err := waitRegistered(s, phones); err != nil {
		for _, p := range ps {
			fmt.Fprintln(os.Stderr, p.out.String())
		}
		check(err)
	}
	calls := rate * int(d/time.Second)
	concurrent := rate*int((talk+time.Second)/time.Second) + rate
	pool := newPool(concurrent*2, true)
	defer pool.close()
	inf := pool.writeInf(b.dir)
	start := time.Now()
	caller := b.sippRun(s, "callers", "-sf", b.scenario("caller.xml"), "-inf", inf, "-s", "support",
		"-key", "domain", domain, "-r", strconv.Itoa(rate), "-m", strconv.Itoa(calls),
		"-l", strconv.Itoa(concurrent*2), "-d", strconv.Itoa(int(talk/time.Millisecond)), "-trace_msg")
	err := caller.wait(d + talk + 120*time.Second)
	elapsed := time.Since(start)
	legs, heard, both := pool.sessions()
	fmt.Printf("\nsustained: %d calls at %d/s over %v (%.1f calls/s achieved), talk %v, %d phones\n",
		calls, rate, d, float64(calls)/elapsed.Seconds(), talk, phones)
	fmt.Printf("  SIPp: successful %d, failed %d (exit: %v)\n", caller.calls("Successful call"), caller.calls("Failed call"), err)
	fmt.Printf("  media: %d caller legs sent RTP, %d hold music first, %d carried RTP both ways (the caller's frames echoed back through the phone)\n", legs, heard, both)
	ring := ringLatency(caller.dir, ps)
	if len(ring) > 0 {
		slices.Sort(ring)
		fmt.Printf("  INVITE (caller's SIPp) to INVITE at the phone's SIPp, %d calls: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
			len(ring), ms(ring[len(ring)/2]), ms(ring[len(ring)*99/100]), ms(ring[len(ring)-1]))
	}
}

// hold keeps n callers on hold at once and measures how late their
// music's packets arrive; false when too many were late to go on.
func (b *bench) hold(n int, measure time.Duration) bool {
	s := b.start(1) // a teammate whose phone never registers: callers wait
	defer s.close()
	pool := newPool(n, false)
	defer pool.close()
	inf := pool.writeInf(b.dir)
	ramp := time.Duration(n/100+1) * 2 * time.Second
	rate := int(float64(n)/ramp.Seconds()) + 1
	caller := b.sippRun(s, "holders", "-sf", b.scenario("caller.xml"), "-inf", inf, "-s", "support",
		"-key", "domain", domain, "-r", strconv.Itoa(rate), "-m", strconv.Itoa(n), "-l", strconv.Itoa(n),
		"-d", strconv.Itoa(int((ramp+measure+2*time.Second)/time.Millisecond)))
	// Measure once every caller is answered (the ramp), for measure.
	time.Sleep(ramp + time.Second) // a benchmark's schedule, not a test
	pool.resetLateness()
	time.Sleep(measure)
	late, p99, count := pool.lateness()
	err := caller.wait(ramp + measure + 120*time.Second)
	fmt.Printf("\nhold: %d callers on hold at once: %d packets in %v, p99 lateness %.2f ms, %.3f%% later than 20 ms (SIPp failed %d, exit %v)\n",
		n, count, measure, ms(p99), 100*late, caller.calls("Failed call"), err)
	return late < 0.01
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func waitRegistered(s *server, n int) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		open := 0
		_, _ = s.rt.Default().View(func(e *assign.Engine) {
			e.EachTeammate(func(v assign.TeammateView) bool {
				if v.Presence.ClientOpen {
					open++
				}
				return true
			})
		})

		if open == n {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("phones did not register")
}

// pool is the callers' RTP sockets: each answers the gateway's leg that
// sends to it (one leg per call) with its own frames, and keeps, per leg,
// whether hold music came and whether its own frames came back.
type pool struct {
	socks []*sock
	wg    sync.WaitGroup
}

type session struct {
	heard, echoed bool
	first         time.Time
	firstSeq      uint16
	lastSeen      time.Time
}

type sock struct {
	conn  *net.UDPConn
	done  chan struct{}
	tag   []byte
	send  bool
	mu    sync.Mutex
	sess  map[netip.AddrPort]*session
	cur   netip.AddrPort
	lates []time.Duration
}

func newPool(n int, send bool) *pool {
	p := &pool{}
	for i := range n {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		check(err)
		tag := bytes.Repeat([]byte{byte(i%200 + 20)}, media.FrameSamples)
		tag[0], tag[1] = byte(i>>8), byte(i)
		s := &sock{conn: c, done: make(chan struct{}), tag: tag, send: send, sess: map[netip.AddrPort]*session{}}
		p.socks = append(p.socks, s)
		p.wg.Add(1)
		go func() { defer p.wg.Done(); s.read() }()
		if send {
			p.wg.Add(1)
			go func() { defer p.wg.Done(); s.write() }()
		}
	}
	return p
}

func (p *pool) writeInf(dir string) string {
	path := filepath.Join(dir, fmt.Sprintf("ports-%d.csv", len(p.socks)))
	var b strings.Builder
	b.WriteString("SEQUENTIAL\n")
	for _, s := range p.socks {
		fmt.Fprintf(&b, "%d;\n", s.conn.LocalAddr().(*net.UDPAddr).Port)
	}
	check(os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

func (p *pool) close() {
	for _, s := range p.socks {
		close(s.done)
		s.conn.Close()
	}
	p.wg.Wait()
}

func (s *sock) read() {
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		now := time.Now()
		var pkt rtp.Packet
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		s.mu.Lock()
		ss := s.sess[from]
		if ss == nil {
			ss = &session{first: now, firstSeq: pkt.SequenceNumber}
			s.sess[from] = ss
		}
		ss.lastSeen = now
		s.cur = from
		if bytes.Equal(pkt.Payload, s.tag) {
			ss.echoed = true
		} else {
			ss.heard = true
			if !s.send { // hold only: lateness against the 20 ms grid
				want := ss.first.Add(time.Duration(pkt.SequenceNumber-ss.firstSeq) * media.FrameDuration)
				s.lates = append(s.lates, now.Sub(want))
			}
		}
		s.mu.Unlock()
	}
}

// write sends the socket's frames every 20 ms to the leg that sent to it
// last, while it sends.
func (s *sock) write() {
	tick := time.NewTicker(media.FrameDuration)
	defer tick.Stop()
	var seq uint16
	var ts uint32
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
		}
		s.mu.Lock()
		to := s.cur
		ss := s.sess[to]
		s.mu.Unlock()
		if ss == nil || time.Since(ss.lastSeen) > 500*time.Millisecond {
			continue // no call on this socket now
		}
		seq++
		ts += uint32(media.FrameSamples)
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: ts, SSRC: 7}, Payload: s.tag}
		raw, _ := pkt.Marshal()
		_, _ = s.conn.WriteToUDPAddrPort(raw, to)
	}
}

// sessions counts the gateway's caller legs that sent to the pool (one
// per call), those that sent hold music (a phone answering within
// microseconds of the 200 can end the hold before its first frame) and
// those that carried the caller's own frames back.
func (p *pool) sessions() (legs, heard, both int) {
	for _, s := range p.socks {
		s.mu.Lock()
		for _, ss := range s.sess {
			legs++
			if ss.heard {
				heard++
			}
			if ss.echoed {
				both++
			}
		}
		s.mu.Unlock()
	}
	return legs, heard, both
}

func (p *pool) resetLateness() {
	for _, s := range p.socks {
		s.mu.Lock()
		s.lates = s.lates[:0]
		s.mu.Unlock()
	}
}

// lateness returns the share of packets later than 20 ms against their
// stream's grid (anchored at the stream's first packet, so a stream
// whose first packet was itself late looks early afterwards: the figure
// is a lower bound), the p99, and the count.
func (p *pool) lateness() (float64, time.Duration, int) {
	var all []time.Duration
	for _, s := range p.socks {
		s.mu.Lock()
		all = append(all, s.lates...)
		s.mu.Unlock()
	}
	if len(all) == 0 {
		return 1, 0, 0
	}
	slices.Sort(all)
	late := 0
	for _, d := range all {
		if d > 20*time.Millisecond {
			late++
		}
	}
	return float64(late) / float64(len(all)), all[len(all)*99/100], len(all)
}

// ringLatency pairs each caller's INVITE leaving SIPp with the phone's
// INVITE for it reaching SIPp (both traced with their time, matched by
// the caller's "Customer N"), first occurrences only.
func ringLatency(callerDir string, phones []*proc) []time.Duration {
	sent := traceTimes(callerDir, "UDP message sent", "INVITE sip:support@")
	got := map[string]time.Time{}
	for _, p := range phones {
		for k, v := range traceTimes(p.dir, "UDP message received", "INVITE sip:") {
			got[k] = v
		}
	}
	var out []time.Duration
	for k, t0 := range sent {
		if t1, ok := got[k]; ok {
			out = append(out, t1.Sub(t0))
		}
	}
	return out
}

var customerRe = regexp.MustCompile(`From: "Customer (\d+)"`)

// traceTimes reads SIPp -trace_msg logs in dir: for each message whose
// direction line has dir and whose first line starts with start, the time
// of its first occurrence by caller number.
func traceTimes(dir, direction, start string) map[string]time.Time {
	out := map[string]time.Time{}
	files, _ := filepath.Glob(filepath.Join(dir, "*_messages.log"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var at time.Time
		var inMsg, match bool
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "----------------------------------------------- "):
				ts := strings.TrimPrefix(line, "----------------------------------------------- ")
				at, _ = time.ParseInLocation("2006-01-02 15:04:05.000000", ts, time.Local)
				inMsg, match = false, false
			case strings.HasPrefix(line, direction):
				inMsg = true
			case inMsg && !match && strings.HasPrefix(line, start):
				match = true
			case match:
				if m := customerRe.FindStringSubmatch(line); m != nil {
					if _, seen := out[m[1]]; !seen {
						out[m[1]] = at
					}
					match = false
				}
			}
		}
		fh.Close()
	}
	return out
}

func sippVersion(bin string) string {
	out, _ := exec.Command(bin, "-v").CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "SIPp v") {
			return strings.TrimSpace(l)
		}
	}
	return "sipp unknown version"
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

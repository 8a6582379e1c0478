package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// childEnv tells the test binary to run the server instead of the tests,
// with the flags in childArgs (JSON).
const (
	childEnv  = "PHONEBALANCED_TEST_CHILD"
	childArgs = "PHONEBALANCED_TEST_ARGS"
)

const (
	testToken      = "process-test-token-0123456789"
	testAdminToken = "process-test-admin-token-0123456789"
)

// TestMain runs the server when the test binary is started as a child
// process by startChild; otherwise the tests.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		var args []string
		if err := json.Unmarshal([]byte(os.Getenv(childArgs)), &args); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(2)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, args, os.Stderr, os.Getenv, wiring)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "phonebalanced:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a server process started from the test binary.
type child struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string // HTTP address
	mu   sync.Mutex
	log  strings.Builder // its stderr, bounded
	done chan struct{}
	err  error
}

// startChild starts the server with args and waits until it listens.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	b, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", childArgs+"="+string(b), "PHONEBALANCE_TOKEN="+testToken, "PHONEBALANCE_ADMIN_TOKEN="+testAdminToken)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, cmd: cmd, done: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if a, ok := strings.CutPrefix(line, "phonebalanced listening on "); ok {
				_, a, _ = strings.Cut(a, "://")
				addrc <- a
			}
			c.mu.Lock()
			if c.log.Len() < 1<<20 {
				c.log.WriteString(line + "\n")
			}
			c.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
		c.err = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() { c.kill() })
	select {
	case c.addr = <-addrc:
	case <-c.done:
		t.Fatalf("server exited before listening: %v\n%s", c.err, c.stderr())
	case <-time.After(60 * time.Second):
		c.kill()
		t.Fatalf("server did not listen within 60 s:\n%s", c.stderr())
	}
	return c
}

func (c *child) stderr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log.String()
}

// kill sends SIGKILL to the process (by its PID) and waits for it.
func (c *child) kill() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = syscall.Kill(c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
}

// stop sends SIGTERM and waits for a graceful exit.
func (c *child) stop() error {
	_ = syscall.Kill(c.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-c.done:
		return c.err
	case <-time.After(30 * time.Second):
		// SIGQUIT makes the Go runtime print every goroutine's stack,
		// which says where the shutdown is stuck.
		_ = syscall.Kill(c.cmd.Process.Pid, syscall.SIGQUIT)
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
		}
		c.kill()
		log := c.stderr()
		if len(log) > 16<<10 {
			log = log[len(log)-16<<10:]
		}
		return fmt.Errorf("no exit within 30 s of SIGTERM; its log ends:\n%s", log)
	}
}

// request sends an authenticated request to base and returns the status and
// body; a transport error is status 0.
func request(base, method, path, body string) (int, string) {
	return requestAs(testToken, base, method, path, body)
}

// requestAs is request with the given bearer token.
func requestAs(token, base, method, path, body string) (int, string) {
	req, err := http.NewRequest(method, "http://"+base+path, strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// must sends a request and fails unless it gets status want.
func must(t *testing.T, base, method, path, body string, want int, out any) string {
	t.Helper()
	return mustAs(t, testToken, base, method, path, body, want, out)
}

// mustAs is must with the given bearer token.
func mustAs(t *testing.T, token, base, method, path, body string, want int, out any) string {
	t.Helper()
	code, b := requestAs(token, base, method, path, body)
	if code != want {
		t.Fatalf("%s %s %s: %d %s, want %d", method, path, body, code, b, want)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(b), out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return b
}

// eventually retries f every 50 ms until it returns true, for at most
// limit; it is how a test waits for another process, never for time.
func eventually(t *testing.T, limit time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// decodeInto decodes a JSON body, reporting whether it could.
func decodeInto(body string, out any) bool {
	return json.Unmarshal([]byte(body), out) == nil
}

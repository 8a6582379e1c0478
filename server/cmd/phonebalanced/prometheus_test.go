package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/internal/testtool"
)

// The files an operator loads, shipped in the repository.
var (
	alertRules = filepath.Join("..", "..", "deploy", "prometheus", "alerts.yml")
	grafanaDoc = filepath.Join("..", "..", "deploy", "grafana", "phonebalance.json")
)

// TestPrometheusScrapesAndRules starts Debian's Prometheus on loopback,
// scraping a phonebalanced under demo traffic with the shipped alert rules
// loaded, and checks that promtool accepts the rules, that Prometheus
// evaluates every rule without error, that every expression of the Grafana
// dashboard returns data, and that every metric the rules name exists.
func TestPrometheusScrapesAndRules(t *testing.T) {
	promBin := testtool.Require(t, testtool.Prometheus)
	promtool := testtool.Require(t, testtool.PromTool)
	rules, err := filepath.Abs(alertRules)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", rules).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}

	c := startChild(t, "-data", t.TempDir(), "-http", "127.0.0.1:0", "-demo", "-demo-rate", "36000", "-demo-seed", "3")
	prom := startPrometheus(t, promBin, c.addr, rules)

	// Wait for enough scrapes and traffic that rates have two samples.
	eventually(t, 150*time.Second, "Prometheus scraping phonebalanced under demo traffic", func() bool {
		up, err := prom.query(`count_over_time(up{job="phonebalanced"}[5m]) >= 5 and up{job="phonebalanced"} == 1`)
		if err != nil || len(up) == 0 {
			return false
		}
		answered, err := prom.query(`increase(phonebalance_answer_wait_seconds_count[5m]) > 0`)
		if err != nil || len(answered) == 0 {
			return false
		}
		// The staffing model needs a finished call's handle time (the
		// demo's talk times start at 20 s) before it says how many
		// teammates the target needs.
		needed, err := prom.query(`phonebalance_staffing_teammates_needed`)
		return err == nil && len(needed) > 0
	})

	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	raw, err := os.ReadFile(grafanaDoc)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", grafanaDoc, err)
	}
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			n++
			expr := strings.NewReplacer(`"$team"`, `".+"`, `"$workspace"`, `".+"`).Replace(tg.Expr)
			res, err := prom.query(expr)
			if err != nil {
				t.Errorf("dashboard panel %q: %s: %v", p.Title, tg.Expr, err)
			} else if len(res) == 0 {
				t.Errorf("dashboard panel %q: %s returns nothing", p.Title, tg.Expr)
			}
		}
	}
	if n < 10 {
		t.Fatalf("the dashboard has %d expressions; expected the shipped one", n)
	}

	// The rules as Prometheus loaded them: each evaluated without error,
	// each metric it names exported by the server.
	var loaded struct {
		Data struct {
			Groups []struct {
				Rules []struct {
					Name      string `json:"name"`
					Query     string `json:"query"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	var alerts []string
	eventually(t, 30*time.Second, "every shipped rule loaded and evaluated by Prometheus", func() bool {
		if err := prom.get("/api/v1/rules", nil, &loaded); err != nil {
			return false
		}
		alerts = alerts[:0]
		for _, g := range loaded.Data.Groups {
			for _, r := range g.Rules {
				if r.Health != "ok" && r.Health != "err" {
					return false // not evaluated yet
				}
				alerts = append(alerts, r.Name)
			}
		}
		return len(alerts) > 0
	})
	names := regexp.MustCompile(`\b(phonebalance_[a-z_]+|up)\b`)
	for _, g := range loaded.Data.Groups {
		for _, r := range g.Rules {
			if r.Health != "ok" {
				t.Errorf("Prometheus failed rule %s: %s", r.Name, r.LastError)
			}
			if _, err := prom.query(r.Query); err != nil {
				t.Errorf("rule %s: %v", r.Name, err)
			}
			for _, name := range names.FindAllString(r.Query, -1) {
				if res, err := prom.query(name); err != nil || len(res) == 0 {
					t.Errorf("rule %s names %s, which the server does not export (%v)", r.Name, name, err)
				}
			}
		}
	}
	for _, want := range []string{"PhonebalanceLongQueue", "PhonebalanceServiceLevelUnderTarget",
		"PhonebalanceStaffingShort", "PhonebalanceNoLeader", "PhonebalanceNodeBehind"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("no alert %s in %s", want, alertRules)
		}
	}
}

// promServer is a Prometheus process started by a test.
type promServer struct {
	base string
	cmd  *exec.Cmd
}

// startPrometheus starts Prometheus on a free loopback port, scraping the
// phonebalanced at target every second with the admin token (the
// operator's scrape: every workspace and the node's raft metrics), with rules
// loaded; it is killed by its PID when the test ends.
func startPrometheus(t *testing.T, bin, target, rules string) *promServer {
	t.Helper()
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte(testAdminToken), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: phonebalanced
    authorization:
      credentials_file: %q
    static_configs:
      - targets: [%q]
`, rules, token, target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--storage.tsdb.retention.time=1h")
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &promServer{base: "http://" + addr, cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		log.Close()
		if t.Failed() {
			out, _ := os.ReadFile(log.Name())
			t.Logf("prometheus log:\n%s", tail(string(out), 4000))
		}
	})
	eventually(t, 30*time.Second, "Prometheus ready", func() bool {
		resp, err := http.Get(p.base + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// freeLoopbackAddr returns a 127.0.0.1 port that was free a moment ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// get decodes the JSON answer of an API GET.
func (p *promServer) get(path string, q url.Values, out any) error {
	u := p.base + path
	if q != nil {
		u += "?" + q.Encode()
	}
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

// query runs an instant query and returns its result series; an error
// for a query Prometheus refuses or fails.
func (p *promServer) query(expr string) ([]json.RawMessage, error) {
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := p.get("/api/v1/query", url.Values{"query": {expr}}, &body); err != nil {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("%s", body.Error)
	}
	if body.Data.ResultType == "scalar" {
		return []json.RawMessage{body.Data.Result}, nil
	}
	var series []json.RawMessage
	if err := json.Unmarshal(body.Data.Result, &series); err != nil {
		return nil, err
	}
	return series, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

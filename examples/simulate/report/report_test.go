package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/examples/simulate/sim"
)

func day(t *testing.T, teammates int) *sim.Result {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Duration = time.Hour
	cfg.Teammates = teammates
	cfg.Rate = float64(teammates) * 10
	res, err := sim.Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestWriteSVG(t *testing.T) {
	for _, n := range []int{20, 500} { // bars, then a histogram
		var b bytes.Buffer
		if err := WriteSVG(&b, day(t, n)); err != nil {
			t.Fatal(err)
		}
		s := b.String()
		for _, want := range []string{"<svg", "Calls over the day", "Answer time of", "Calls answered per teammate"} {
			if !strings.Contains(s, want) {
				t.Errorf("%d teammates: SVG lacks %q", n, want)
			}
		}
	}
}

func TestWriteFile(t *testing.T) {
	res := day(t, 20)
	dir := t.TempDir()
	if err := WriteFile(filepath.Join(dir, "day.html"), res); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "day.png"), res); err == nil {
		t.Error("a .png report was accepted")
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, res); err != nil {
		t.Fatal(err)
	}
	if s := b.String(); strings.Count(s, "<svg") != 3 || !strings.Contains(s, "service level") {
		t.Errorf("HTML report lacks the summary or a chart")
	}
}

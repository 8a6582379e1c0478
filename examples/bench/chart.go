package main

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// chart draws ns per decision against teammates, log-log, for the engine
// and each baseline, and saves it as SVG.
func chart(rows []row, path string) error {
	series := map[string]plotter.XYs{}
	engine := plotter.XYs{}
	seen := map[int]bool{}
	for _, r := range rows {
		if r.Baseline == "" || r.Name != decisionRow {
			continue
		}
		series[r.Baseline] = append(series[r.Baseline], plotter.XY{X: float64(r.Teammates), Y: r.BaselineNsPerOp})
		if !seen[r.Teammates] {
			seen[r.Teammates] = true
			engine = append(engine, plotter.XY{X: float64(r.Teammates), Y: r.NsPerOp})
		}
	}
	p := plot.New()
	p.Title.Text = "One assignment decision"
	p.X.Label.Text = "teammates in the team"
	p.Y.Label.Text = "ns per decision"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	p.Legend.Top, p.Legend.Left = true, true
	args := []any{"engine (NextInLine)", engine}
	for _, bl := range baselines {
		if xy, ok := series[bl.name]; ok {
			args = append(args, bl.name, xy)
		}
	}
	if err := plotutil.AddLinePoints(p, args...); err != nil {
		return err
	}
	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}

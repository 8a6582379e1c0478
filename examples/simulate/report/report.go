// Package report draws the charts of a simulated day with gonum plot: the
// calls waiting and in progress over the day, the answer-time
// distribution, and the calls each teammate answered. It writes them as
// one SVG, or as an HTML page with the day's summary above the charts.
package report

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/phonebalance/phonebalance/examples/simulate/sim"
)

// The size of one chart.
const (
	width  = 9 * vg.Inch
	height = 3.5 * vg.Inch
)

// maxBars is the most teammates drawn one bar each; a larger team's calls
// per teammate are shown as a histogram.
const maxBars = 120

// WriteFile writes the charts of res to the named file, as SVG if the name
// ends in .svg and as HTML if it ends in .html or .htm.
func WriteFile(name string, res *sim.Result) error {
	var write func(io.Writer, *sim.Result) error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".svg":
		write = WriteSVG
	case ".html", ".htm":
		write = WriteHTML
	default:
		return fmt.Errorf("report: %q: want a .svg or .html file", name)
	}
	var buf bytes.Buffer
	if err := write(&buf, res); err != nil {
		return err
	}
	return os.WriteFile(name, buf.Bytes(), 0o644)
}

// WriteSVG writes the charts of res, one above the other, as one SVG.
func WriteSVG(w io.Writer, res *sim.Result) error {
	plots, err := Plots(res)
	if err != nil {
		return err
	}
	c := vgsvg.New(width, vg.Length(len(plots))*height)
	dc := draw.New(c)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Inch / 4, PadTop: vg.Inch / 8}
	for i, p := range plots {
		p.Draw(tiles.At(dc, 0, i))
	}
	_, err = c.WriteTo(w)
	return err
}

// WriteHTML writes an HTML page with the summary of res and its charts.
func WriteHTML(w io.Writer, res *sim.Result) error {
	plots, err := Plots(res)
	if err != nil {
		return err
	}
	var sum bytes.Buffer
	if err := res.WriteSummary(&sum); err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Simulated contact-center day</title>\n" +
		"<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em}</style></head><body>\n" +
		"<h1>Simulated contact-center day</h1>\n<pre>")
	b.WriteString(html.EscapeString(sum.String()))
	b.WriteString("</pre>\n")
	for _, p := range plots {
		wt, err := p.WriterTo(width, height, "svg")
		if err != nil {
			return err
		}
		b.WriteString("<div>\n")
		if _, err := wt.WriteTo(&b); err != nil {
			return err
		}
		b.WriteString("</div>\n")
	}
	b.WriteString("</body></html>\n")
	_, err = w.Write(b.Bytes())
	return err
}

// Plots returns the three charts of res.
func Plots(res *sim.Result) ([]*plot.Plot, error) {
	var out []*plot.Plot
	for _, f := range []func(*sim.Result) (*plot.Plot, error){load, answerTimes, perTeammate} {
		p, err := f(res)
		if err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// load charts the calls waiting, the active calls and the teammates on a
// break over the day.
func load(res *sim.Result) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Calls over the day"
	p.X.Label.Text = "hours since opening"
	p.Y.Label.Text = "count"
	p.Legend.Top, p.Legend.Left = true, true
	series := []struct {
		name string
		get  func(sim.Sample) int
	}{
		{"calls waiting (queued or ringing)", func(s sim.Sample) int { return s.Waiting }},
		{"active calls", func(s sim.Sample) int { return s.Active }},
		{"teammates on a break", func(s sim.Sample) int { return s.Away }},
	}
	for i, s := range series {
		xy := make(plotter.XYs, len(res.Series))
		for j, smp := range res.Series {
			xy[j].X, xy[j].Y = smp.At.Hours(), float64(s.get(smp))
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color = plotutil.Color(i)
		l.Width = vg.Points(1.2)
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	p.Y.Min = 0
	return p, nil
}

// answerTimes charts the distribution of answer times, leaving out the
// slowest 1% so the tail does not squash the rest.
func answerTimes(res *sim.Result) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Answer time of %d answered calls (slowest 1%% left out)", res.Answered)
	p.X.Label.Text = "seconds from placing the call to the answer"
	p.Y.Label.Text = "calls"
	if len(res.AnswerTimes) == 0 {
		return p, nil
	}
	keep := res.AnswerTimes[:max(1, len(res.AnswerTimes)*99/100)]
	vs := make(plotter.Values, len(keep))
	for i, d := range keep {
		vs[i] = d.Seconds()
	}
	h, err := plotter.NewHist(vs, 40)
	if err != nil {
		return nil, err
	}
	h.FillColor = plotutil.Color(0)
	p.Add(h)
	target := res.Config.ServiceLevelTarget.Seconds()
	if l, err := plotter.NewLine(plotter.XYs{{X: target, Y: 0}, {X: target, Y: maxBin(h)}}); err == nil {
		l.Color, l.Dashes = plotutil.Color(1), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("service level target (%v)", res.Config.ServiceLevelTarget), l)
		p.Legend.Top = true
	}
	return p, nil
}

func maxBin(h *plotter.Histogram) float64 {
	var m float64
	for _, b := range h.Bins {
		m = max(m, b.Weight)
	}
	return m
}

// perTeammate charts the calls each teammate answered: one bar each for a
// small team, a histogram of the counts for a large one.
func perTeammate(res *sim.Result) (*plot.Plot, error) {
	p := plot.New()
	b := res.Balance()
	vs := make(plotter.Values, len(res.Teammates))
	for i, t := range res.Teammates {
		vs[i] = float64(t.Answered)
	}
	title := fmt.Sprintf("Calls answered per teammate (mean %.1f, min %d, max %d, Gini %.3f)", b.Mean, b.Min, b.Max, b.Gini)
	p.Title.Text = title
	if len(vs) <= maxBars {
		bars, err := plotter.NewBarChart(vs, (width-vg.Inch)/vg.Length(len(vs)+1)*0.8)
		if err != nil {
			return nil, err
		}
		bars.Color = plotutil.Color(2)
		bars.LineStyle.Width = 0
		p.Add(bars)
		p.X.Label.Text = "teammate (in ID order)"
		p.Y.Label.Text = "calls answered"
		p.X.Tick.Marker = plot.TickerFunc(func(float64, float64) []plot.Tick { return nil })
		return p, nil
	}
	h, err := plotter.NewHist(vs, 30)
	if err != nil {
		return nil, err
	}
	h.FillColor = plotutil.Color(2)
	p.Add(h)
	p.X.Label.Text = "calls answered"
	p.Y.Label.Text = "teammates"
	return p, nil
}

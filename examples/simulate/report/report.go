// Package report draws a simulated day's charts with gonum plot.
package report

import (
	"errors"
	"io"

	"github.com/phonebalance/phonebalance/examples/simulate/sim"
)

// WriteFile writes the charts of res to name: SVG or HTML by extension.
func WriteFile(name string, res *sim.Result) error { return errors.New("todo") }

var _ io.Writer

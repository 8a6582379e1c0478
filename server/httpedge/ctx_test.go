package httpedge_test

import (
	"context"
	"time"
)

// contextDeadline returns the error of a context past its deadline.
func contextDeadline() error {
	ctx, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	<-ctx.Done()
	return ctx.Err()
}

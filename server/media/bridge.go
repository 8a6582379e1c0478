package media

import (
	"context"
	"errors"
)

// Bridge relays audio both ways between a and b, each frame as soon as it arrives (the peers
// pace their own sending; nothing is buffered or mixed), converting µ-law and A-law when the
// legs' codecs differ. DTMF key presses are not forwarded. A frame written to a UDPLeg that
// does not know its remote yet is dropped.
//
// Bridge blocks until ctx is done (it returns ctx.Err()) or a leg fails (it returns that
// error: ErrClosed when one side hung up and its leg was closed); it then stops relaying in
// both directions before returning. It never closes a or b: after it returns, the caller may
// play hold music into either leg again, bridge it elsewhere, or close it. Nothing else may
// read from a or b, or write to them, while Bridge runs.
func Bridge(ctx context.Context, a, b Leg) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		cancel(relay(ctx, b, a))
	}()
	cancel(relay(ctx, a, b))
	<-done
	return context.Cause(ctx)
}

// relay copies audio from src to dst until an error, which it returns.
func relay(ctx context.Context, src, dst Leg) error {
	for {
		f, err := src.ReadFrame(ctx)
		if err != nil {
			return err
		}
		if f.Audio == nil {
			continue
		}
		transcode(f.Audio, src.Codec(), dst.Codec())
		if err := dst.WriteFrame(f.Audio); err != nil && !errors.Is(err, ErrNoRemote) {
			return err
		}
	}
}

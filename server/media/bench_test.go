package media

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkHoldPlayers measures how many callers one core can keep on hold: n Players send
// the shipped hold music over n UDPLegs on loopback for 2 s (100 frames each), with their
// 20 ms grids spread evenly over the period as calls arriving at random would be, and
// GOMAXPROCS=1. It reports how late frames leave against each Player's grid (p50, p99, max, in
// ms) and the share of frames more than 10 ms late; on a shared machine those depend on the
// other load, so it also reports the CPU time per frame sent and the calls one core could
// keep on hold at that cost (20 ms / CPU per frame), which does not. The receiving socket is never read (its
// buffer overflows and the kernel drops packets), so only the sending side is measured. Run:
//
//	go test -run '^$' -bench HoldPlayers -benchtime 1x ./media/
func BenchmarkHoldPlayers(b *testing.B) {
	for _, n := range []int{100, 500, 1000, 2000, 3000, 4000} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				b.Fatal(err)
			}
			defer sink.Close()
			legs := make([]*timedLeg, n)
			for i := range legs {
				l, err := ListenUDP(UDPConfig{Local: "127.0.0.1:0", Codec: PCMU})
				if err != nil {
					b.Fatal(err)
				}
				defer l.Close()
				l.SetRemote(addrOf(sink))
				legs[i] = &timedLeg{Leg: l}
			}
			music := DefaultHoldMusic()
			const frames = 100
			clip := NewClip(music.PCM()[:frames*FrameSamples])
			cpu0 := cpuTime()
			for b.Loop() {
				start := time.Now()
				var wg sync.WaitGroup
				for i, l := range legs {
					l.at = l.at[:0]
					wg.Go(func() {
						time.Sleep(time.Until(start.Add(FrameDuration * time.Duration(i) / time.Duration(n))))
						if err := NewPlayer(l).Play(context.Background(), clip); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
			}
			cpu := cpuTime() - cpu0
			var late []time.Duration
			for _, l := range legs {
				for k, at := range l.at {
					late = append(late, at.Sub(l.at[0].Add(time.Duration(k)*FrameDuration)))
				}
			}
			slices.Sort(late)
			over := 0
			for _, d := range late {
				if d > 10*time.Millisecond {
					over++
				}
			}
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(late[len(late)/2]), "p50-late-ms")
			b.ReportMetric(ms(late[len(late)*99/100]), "p99-late-ms")
			b.ReportMetric(ms(late[len(late)-1]), "max-late-ms")
			b.ReportMetric(100*float64(over)/float64(len(late)), "%late>10ms")
			perFrame := cpu / time.Duration(len(late))
			b.ReportMetric(float64(perFrame)/float64(time.Microsecond), "cpu-µs/frame")
			b.ReportMetric(float64(FrameDuration)/float64(perFrame), "calls/core")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timedLeg records when each frame was written.
type timedLeg struct {
	Leg
	at []time.Time
}

func (l *timedLeg) WriteFrame(audio []byte) error {
	l.at = append(l.at, time.Now())
	return l.Leg.WriteFrame(audio)
}

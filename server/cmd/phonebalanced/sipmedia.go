package main

import (
	"fmt"
	"path/filepath"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/server/core"
	"github.com/phonebalance/phonebalance/server/media"
	"github.com/phonebalance/phonebalance/server/sip"
)

// sipMedia is the gateway's media configuration from the flags (nil with
// -sip-media=false): hold music (-hold-music, else the shipped loop),
// announcements every -sip-announce-every with the expected wait of
// [expectedWait], voicemail recorded in <data>/voicemail (unless
// -sip-voicemail redirects deflected callers elsewhere), and callbacks
// through -sip-trunk.
func sipMedia(c config, rt *core.Runtime) (*sip.MediaConfig, error) {
	if !c.sipMedia {
		return nil, nil
	}
	mc := &sip.MediaConfig{IP: c.sipMediaIP, AdvertiseIP: c.sipMediaAdvertise, AnnouncePeriod: c.sipAnnounce,
		Trunk: c.sipTrunk, ExpectedWait: expectedWait(rt)}
	if c.holdMusic != "" {
		clip, err := media.LoadWAV(c.holdMusic)
		if err != nil {
			return nil, fmt.Errorf("-hold-music: %w", err)
		}
		mc.HoldMusic = clip
	}
	if c.sipVoicemail == "" {
		mc.VoicemailDir = voicemailDir(c.data)
	}
	return mc, nil
}

// voicemailDir is where the gateway records voicemail under the data
// directory: <data>/voicemail/<call>.wav.
func voicemailDir(data string) string { return filepath.Join(data, "voicemail") }

// expectedWait estimates a waiting caller's wait from the staffing model:
// place × the team's mean handle time (metrics.TeamLoad.MeanHandle, talk
// and wrap-up, over the staffing window) ÷ the team's teammates available
// for phone (at least one). Until a call of the team has been handled
// there is no estimate (media.UnknownWait: the announcement leaves the
// wait out). It is the simple estimate of a queue served in order by that
// many teammates in parallel, not an Erlang C expectation (which averages
// over callers, not the wait of one at a known place).
func expectedWait(rt *core.Runtime) func(team pb.TeamID, place int) time.Duration {
	return func(team pb.TeamID, place int) time.Duration {
		var mean time.Duration
		ok := false
		rt.Default().WithCollector(func(col *metrics.Collector) {
			for _, l := range col.Staffing(rt.Now()) {
				if l.Team == team {
					mean, ok = l.MeanHandle()
				}
			}
		})

		if !ok {
			return media.UnknownWait
		}
		servers := 1
		_, _ = rt.Default().View(func(e *assign.Engine) {
			if counts, _, found := e.TeamCounts(team); found && counts.Available > 1 {
				servers = counts.Available
			}
		})

		return time.Duration(place) * mean / time.Duration(servers)
	}
}

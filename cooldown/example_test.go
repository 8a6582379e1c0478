package cooldown_test

import (
	"fmt"
	"time"

	"github.com/phonebalance/phonebalance/cooldown"
)

func Example() {
	type key struct{ call, teammate string }
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	s := cooldown.New[key]()
	// Ana missed call 7 and Ben declined it a little later: neither is
	// offered call 7 again for 5 minutes.
	s.Add(key{"call-7", "ana"}, start.Add(5*time.Minute))
	s.Add(key{"call-7", "ben"}, start.Add(5*time.Minute+20*time.Second))

	fmt.Println("ana excluded from call 7:", s.Excluded(key{"call-7", "ana"}, start.Add(time.Minute)))
	fmt.Println("ana excluded from call 8:", s.Excluded(key{"call-8", "ana"}, start.Add(time.Minute)))

	next, _ := s.Next() // arm one timer for this
	fmt.Println("next lapse after", next.Sub(start))

	now := start.Add(6 * time.Minute)
	for {
		k, until, ok := s.PopDue(now)
		if !ok {
			break
		}
		fmt.Printf("%s may be offered %s again from %s\n", k.teammate, k.call, until.Format("15:04:05"))
	}
	fmt.Println("left:", s.Len())
	// Output:
	// ana excluded from call 7: true
	// ana excluded from call 8: false
	// next lapse after 5m0s
	// ana may be offered call-7 again from 09:05:00
	// ben may be offered call-7 again from 09:05:20
	// left: 0
}

package schedule_test

import (
	"fmt"
	"time"

	"github.com/phonebalance/phonebalance/schedule"
)

func Example() {
	berlin := time.FixedZone("CET", 3600) // a real host would use time.LoadLocation
	hours := schedule.Hours{
		Weekly:   schedule.Weekdays(9*time.Hour, 17*time.Hour),
		Location: berlin,
	}
	if err := hours.Validate(); err != nil {
		panic(err)
	}
	for _, at := range []time.Time{
		time.Date(2026, 1, 5, 7, 59, 0, 0, time.UTC),  // Monday 08:59 in Berlin
		time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC),   // Monday 09:00
		time.Date(2026, 1, 5, 16, 0, 0, 0, time.UTC),  // Monday 17:00
		time.Date(2026, 1, 10, 10, 0, 0, 0, time.UTC), // Saturday
	} {
		fmt.Println(at.In(berlin).Format("Mon 15:04"), hours.Open(at))
	}

	hours.Override = schedule.OutOfOffice // a holiday
	fmt.Println(hours.Override, hours.Open(time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)))
	// Output:
	// Mon 08:59 false
	// Mon 09:00 true
	// Mon 17:00 false
	// Sat 11:00 false
	// out of office false
}

//go:build !race

package cooldown

const raceEnabled = false

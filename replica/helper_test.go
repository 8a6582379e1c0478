package replica

const helperEnv = "REPLICA_TEST_HELPER"

func runHelper(mode string) int { return 2 }

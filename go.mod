module github.com/phonebalance/phonebalance

go 1.26

module github.com/example/billing

go 1.25

require github.com/pay-theory/dynamorm v1.3.0

// Builds VictoriaLogs as a tool of this module. The standalone VictoriaLogs module is not served by
// the Go module proxy the project reaches; VictoriaMetrics v1.121.0 is the last tag whose tree still
// holds app/victoria-logs (VictoriaLogs v1.24.0), and `go install pkg@version` refuses that module
// because its go.mod has replace directives (AWS SDK pins that VictoriaLogs does not use).
module primoart.local/infra/victoria-logs

go 1.24.4

require (
	github.com/VictoriaMetrics/VictoriaMetrics v1.121.0 // indirect
	github.com/VictoriaMetrics/easyproto v0.1.4 // indirect
	github.com/VictoriaMetrics/metrics v1.37.0 // indirect
	github.com/VictoriaMetrics/metricsql v0.84.6 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/golang/snappy v1.0.0 // indirect
	github.com/klauspost/compress v1.18.0 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/valyala/fastjson v1.6.4 // indirect
	github.com/valyala/fastrand v1.1.0 // indirect
	github.com/valyala/fasttemplate v1.2.2 // indirect
	github.com/valyala/gozstd v1.22.0 // indirect
	github.com/valyala/histogram v1.2.0 // indirect
	github.com/valyala/quicktemplate v1.8.0 // indirect
	golang.org/x/oauth2 v0.30.0 // indirect
	golang.org/x/sys v0.33.0 // indirect
)

tool github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-logs

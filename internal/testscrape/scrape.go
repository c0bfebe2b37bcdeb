// Package testscrape reads a server's /metrics for tests: it fetches the page, parses it with
// Prometheus' own text parser (github.com/prometheus/common/expfmt), and sums the samples of a
// metric that match some labels.
//
// It is test-only code (rooms/server's tests, tests/ops and tests/soak use it): it sits outside
// the data flow, and no package's non-test code imports it (tests/arch checks internal/test*).
package testscrape

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families is one scrape: the metric families by name.
type Families map[string]*dto.MetricFamily

// Get scrapes url (a /metrics page), sending token as a bearer token when it is not empty,
// and fails tb unless the answer is 200 in the Prometheus text format.
func Get(tb testing.TB, url, token string) Families {
	tb.Helper()
	fams, err := Fetch(url, token)
	if err != nil {
		tb.Fatal(err)
	}
	return fams
}

// Fetch is Get returning the error, for a scrape on a goroutine other than the test's (a
// sampler), where failing the test is not allowed.
func Fetch(url, token string) (Families, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// Uncompressed: to gzip the page the server takes a compressor of about 1 MB from a pool,
	// which stays in its live heap, the figure a test may be reading (tests/soak).
	req.Header.Set("Accept-Encoding", "identity")
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: %s", url, res.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: not the text format: %w", url, err)
	}
	return fams, nil
}

// Has reports whether the scrape has the metric family name.
func (f Families) Has(name string) bool { return f[name] != nil }

// Sum is the sum over the samples of metric name whose labels include labels (name, value
// pairs): a counter's or gauge's value, a histogram's sample count. A family that is absent
// sums to 0.
func (f Families) Sum(name string, labels ...string) float64 {
	mf := f[name]
	if mf == nil {
		return 0
	}
	var sum float64
	for _, m := range mf.GetMetric() {
		if !matches(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum
}

// Histogram returns the first histogram sample of name whose labels include labels, or nil.
func (f Families) Histogram(name string, labels ...string) *dto.Histogram {
	if mf := f[name]; mf != nil {
		for _, m := range mf.GetMetric() {
			if m.Histogram != nil && matches(m, labels) {
				return m.Histogram
			}
		}
	}
	return nil
}

// LabelValues lists the values label takes in metric name's samples.
func (f Families) LabelValues(name, label string) []string {
	var out []string
	if mf := f[name]; mf != nil {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label {
					out = append(out, lp.GetValue())
				}
			}
		}
	}
	return out
}

func matches(m *dto.Metric, labels []string) bool {
	if len(labels)%2 != 0 {
		panic(fmt.Sprintf("testscrape: labels %q are not name, value pairs", labels))
	}
	for i := 0; i < len(labels); i += 2 {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

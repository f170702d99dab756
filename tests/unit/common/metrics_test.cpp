#include "common/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace lakebox::metrics {
namespace {

using ::testing::ElementsAre;

TEST(MetricsTest, RendersTheTextExpositionFormat) {
  Registry registry;
  registry.Counter("lakebox_records_total", "Records received.", {{"stream", "s1"}}).Inc(3);
  registry.Counter("lakebox_records_total", "ignored: the first help wins", {{"stream", "s0"}})
      .Inc();
  registry.Gauge("lakebox_buffered_bytes", "Bytes waiting.\nSecond \\ line.").Set(2.5);
  auto& latency =
      registry.Histogram("lakebox_put_seconds", "Put latency.", {0.5, 1, 10}, {{"op", "put"}});
  for (double v : {0.25, 0.5, 5.0, 100.0}) latency.Observe(v);

  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP lakebox_buffered_bytes Bytes waiting.\\nSecond \\\\ line.\n"
            "# TYPE lakebox_buffered_bytes gauge\n"
            "lakebox_buffered_bytes 2.5\n"
            "# HELP lakebox_put_seconds Put latency.\n"
            "# TYPE lakebox_put_seconds histogram\n"
            "lakebox_put_seconds_bucket{op=\"put\",le=\"0.5\"} 2\n"
            "lakebox_put_seconds_bucket{op=\"put\",le=\"1\"} 2\n"
            "lakebox_put_seconds_bucket{op=\"put\",le=\"10\"} 3\n"
            "lakebox_put_seconds_bucket{op=\"put\",le=\"+Inf\"} 4\n"
            "lakebox_put_seconds_sum{op=\"put\"} 105.75\n"
            "lakebox_put_seconds_count{op=\"put\"} 4\n"
            "# HELP lakebox_records_total Records received.\n"
            "# TYPE lakebox_records_total counter\n"
            "lakebox_records_total{stream=\"s0\"} 1\n"
            "lakebox_records_total{stream=\"s1\"} 3\n");
}

TEST(MetricsTest, EscapesLabelValues) {
  Registry registry;
  registry.Counter("c", "h", {{"path", "a\"b\\c\nd"}}).Inc(7);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP c h\n# TYPE c counter\nc{path=\"a\\\"b\\\\c\\nd\"} 7\n");
}

TEST(MetricsTest, SameNameAndLabelsGiveTheSameSeries) {
  Registry registry;
  Counter& a = registry.Counter("c", "h", {{"x", "1"}, {"y", "2"}});
  Counter& b = registry.Counter("c", "h", {{"y", "2"}, {"x", "1"}});  // other order, same set
  Counter& other = registry.Counter("c", "h", {{"x", "1"}, {"y", "3"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  a.Inc();
  b.Inc(2);
  EXPECT_EQ(a.Value(), 3u);
  EXPECT_EQ(&registry.Gauge("g", "h"), &registry.Gauge("g", "h"));
  EXPECT_EQ(&registry.Histogram("h", "h", {1}), &registry.Histogram("h", "h", {1}));
  // Labels are rendered sorted by name.
  EXPECT_NE(registry.RenderPrometheus().find("c{x=\"1\",y=\"2\"} 3\n"), std::string::npos);
}

TEST(MetricsTest, GaugeFormatsIntegersAndSpecialValues) {
  Registry registry;
  Gauge& gauge = registry.Gauge("g", "h");
  gauge.Set(10);
  gauge.Add(-4);
  EXPECT_EQ(gauge.Value(), 6);
  EXPECT_EQ(registry.RenderPrometheus(), "# HELP g h\n# TYPE g gauge\ng 6\n");
  gauge.Set(1.0 / 0.0);
  EXPECT_EQ(registry.RenderPrometheus(), "# HELP g h\n# TYPE g gauge\ng +Inf\n");
  gauge.Set(12345678901234.0);
  EXPECT_EQ(registry.RenderPrometheus(), "# HELP g h\n# TYPE g gauge\ng 12345678901234\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndUpperInclusive) {
  Histogram histogram({1, 2, 4});
  for (double v : {-1.0, 1.0, 1.5, 2.0, 3.0, 4.0, 4.5, 0.0 / 0.0}) histogram.Observe(v);
  EXPECT_THAT(histogram.CumulativeCounts(), ElementsAre(2, 4, 6, 7));  // NaN ignored
  EXPECT_DOUBLE_EQ(histogram.Sum(), 15.0);
}

TEST(MetricsTest, HistogramWithoutLabelsAndWithoutBounds) {
  Registry registry;
  registry.Histogram("h", "h", {}).Observe(3);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP h h\n# TYPE h histogram\n"
            "h_bucket{le=\"+Inf\"} 1\nh_sum 3\nh_count 1\n");
}

TEST(MetricsTest, ExponentialBuckets) {
  EXPECT_THAT(ExponentialBuckets(0.001, 10, 4), ElementsAre(0.001, 0.01, 0.1, 1.0));
  EXPECT_THAT(ExponentialBuckets(1, 2, 5), ElementsAre(1, 2, 4, 8, 16));
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
  Registry registry;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // Looking up concurrently must yield the same series too.
      Counter& counter = registry.Counter("c", "h", {{"k", "v"}});
      Gauge& gauge = registry.Gauge("g", "h");
      Histogram& histogram = registry.Histogram("h", "h", {0.5});
      for (int i = 0; i < kPerThread; ++i) {
        counter.Inc();
        gauge.Add(1);
        histogram.Observe(i % 2);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(registry.Counter("c", "h", {{"k", "v"}}).Value(), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(registry.Gauge("g", "h").Value(), kThreads * kPerThread);
  Histogram& histogram = registry.Histogram("h", "h", {0.5});
  EXPECT_THAT(histogram.CumulativeCounts(),
              ElementsAre(kThreads * kPerThread / 2, kThreads * kPerThread));
  EXPECT_DOUBLE_EQ(histogram.Sum(), kThreads * kPerThread / 2);
}

TEST(MetricsTest, GlobalIsOneRegistry) { EXPECT_EQ(&Registry::Global(), &Registry::Global()); }

TEST(MetricsDeathTest, MisuseAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Registry registry;
  registry.Counter("taken", "h");
  EXPECT_DEATH(registry.Gauge("taken", "h"), "different types");
  EXPECT_DEATH(registry.Counter("bad-name", "h"), "invalid metric name");
  EXPECT_DEATH(registry.Counter("c", "h", {{"0x", "v"}}), "invalid label name");
  EXPECT_DEATH(registry.Counter("c", "h", {{"a", "1"}, {"a", "2"}}), "given twice");
  EXPECT_DEATH(registry.Histogram("h", "h", {1, 1}), "strictly increasing");
  EXPECT_DEATH(registry.Histogram("h", "h", {1}, {{"le", "x"}}), "reserved");
  registry.Histogram("h2", "h", {1, 2});
  EXPECT_DEATH(registry.Histogram("h2", "h", {1, 3}), "different buckets");
}

}  // namespace
}  // namespace lakebox::metrics

#include "producer/vehicle_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numbers>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/time.h"

namespace lakebox::producer {
namespace {

constexpr int64_t kStartMs = 1'795'731'412'123;  // 2026-11-26T22:16:52.123Z

// Distance in km between two points (haversine).
double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  auto rad = [](double d) { return d * std::numbers::pi / 180.0; };
  double dlat = rad(lat2 - lat1), dlon = rad(lon2 - lon1);
  double a = std::pow(std::sin(dlat / 2), 2) + std::cos(rad(lat1)) * std::cos(rad(lat2)) * std::pow(std::sin(dlon / 2), 2);
  return 2 * 6371.0 * std::asin(std::sqrt(a));
}

double NearestCityKm(double lat, double lon) {
  double best = 1e9;
  for (const auto& city : VehicleGenerator::Cities()) {
    best = std::min(best, DistanceKm(lat, lon, city.latitude, city.longitude));
  }
  return best;
}

// Cheap field extraction for the long runs, where parsing every record would dominate.
double NumberAfter(const std::string& record, std::string_view key) {
  auto pos = record.find(key);
  EXPECT_NE(pos, std::string::npos) << key << " in " << record;
  return std::strtod(record.c_str() + pos + key.size(), nullptr);
}

// The number of digits after the '.' of the number that follows `key`, or -1 without a '.'.
int FractionDigits(const std::string& record, std::string_view key) {
  size_t pos = record.find(key) + key.size();
  size_t end = record.find_first_of(",}", pos);
  size_t dot = record.find('.', pos);
  if (dot == std::string::npos || dot > end) return -1;
  return static_cast<int>(end - dot - 1);
}

TEST(VehicleGeneratorTest, SameSeedSameRecordsOtherSeedOtherRecords) {
  VehicleGenerator a(50, 7), b(50, 7), c(50, 8);
  int differing = 0;
  for (int i = 0; i < 2000; ++i) {
    int64_t t = kStartMs + i * 200;
    std::string ra = a.Next(t), rb = b.Next(t), rc = c.Next(t);
    ASSERT_EQ(ra, rb) << "record " << i;
    differing += ra != rc;
  }
  EXPECT_GT(differing, 1900);
}

TEST(VehicleGeneratorTest, RecordsAreValidJsonInTheDesignShape) {
  VehicleGenerator generator(200, 1);
  const std::set<std::string> vendors = {"volvo", "scania", "mercedes", "man", "iveco", "daf"};
  const std::set<std::string> alert_codes = {"TIRE_PRESSURE", "ENGINE_TEMP", "LOW_FUEL", "HARSH_BRAKING"};
  const std::vector<std::string> top_keys = {"vehicle_id", "vendor", "model", "event_time",
                                             "vehicle_status", "gps_info", "alerts"};
  const std::vector<std::string> status_keys = {"speed_kmh", "engine_temp_c", "fuel_level", "odometer_km",
                                                "doors_locked"};
  const std::vector<std::string> gps_keys = {"latitude", "longitude", "altitude_m", "heading"};

  auto keys = [](const nlohmann::ordered_json& object) {
    std::vector<std::string> out;
    for (const auto& item : object.items()) out.push_back(item.key());
    return out;
  };

  size_t total_bytes = 0;
  int with_alerts = 0, locked = 0;
  const int kRecords = 2000;
  for (int i = 0; i < kRecords; ++i) {
    int64_t t = kStartMs + i * 50;
    std::string record = generator.Next(t);
    total_bytes += record.size();
    ASSERT_EQ(record.back(), '\n');
    ASSERT_EQ(record.find('\n'), record.size() - 1) << "one line per record";
    for (const char* not_finite : {":nan", ":-nan", ":inf", ":-inf"}) {
      ASSERT_EQ(record.find(not_finite), std::string::npos) << record;
    }
    auto json = nlohmann::ordered_json::parse(record, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(json.is_discarded()) << record;
    for (auto [key, digits] : {std::pair{R"("speed_kmh":)", 1}, {R"("engine_temp_c":)", 1}, {R"("fuel_level":)", 3},
                               {R"("latitude":)", 5}, {R"("longitude":)", 5}, {R"("altitude_m":)", 1},
                               {R"("heading":)", 1}, {R"("odometer_km":)", -1}}) {
      ASSERT_EQ(FractionDigits(record, key), digits) << key << " in " << record;
    }

    ASSERT_EQ(keys(json), top_keys) << record;
    EXPECT_EQ(json["vehicle_id"], fmt::format("V-{:05d}", i % 200 + 1)) << "round-robin";
    EXPECT_TRUE(vendors.contains(json["vendor"].get<std::string>())) << record;
    EXPECT_FALSE(json["model"].get<std::string>().empty());
    EXPECT_EQ(json["event_time"], FormatIso8601Millis(t));

    const auto& status = json["vehicle_status"];
    ASSERT_EQ(keys(status), status_keys) << record;
    ASSERT_TRUE(status["speed_kmh"].is_number_float()) << record;
    EXPECT_GE(status["speed_kmh"].get<double>(), 0.0);
    EXPECT_LE(status["speed_kmh"].get<double>(), 110.0);
    ASSERT_TRUE(status["engine_temp_c"].is_number_float());
    EXPECT_GE(status["engine_temp_c"].get<double>(), 60.0);
    EXPECT_LE(status["engine_temp_c"].get<double>(), 125.0);
    ASSERT_TRUE(status["fuel_level"].is_number_float());
    EXPECT_GE(status["fuel_level"].get<double>(), 0.0);
    EXPECT_LE(status["fuel_level"].get<double>(), 1.0);
    ASSERT_TRUE(status["odometer_km"].is_number_integer()) << record;
    EXPECT_GT(status["odometer_km"].get<int64_t>(), 0);
    ASSERT_TRUE(status["doors_locked"].is_boolean());
    locked += status["doors_locked"].get<bool>();

    const auto& gps = json["gps_info"];
    ASSERT_EQ(keys(gps), gps_keys) << record;
    for (const auto& key : gps_keys) ASSERT_TRUE(gps[key].is_number_float()) << key << " in " << record;
    EXPECT_LT(NearestCityKm(gps["latitude"].get<double>(), gps["longitude"].get<double>()), 50.0);
    EXPECT_GE(gps["altitude_m"].get<double>(), -100.0);
    EXPECT_LE(gps["altitude_m"].get<double>(), 1100.0);
    EXPECT_GE(gps["heading"].get<double>(), 0.0);
    EXPECT_LT(gps["heading"].get<double>(), 360.0);

    const auto& alerts = json["alerts"];
    ASSERT_TRUE(alerts.is_array());
    ASSERT_LE(alerts.size(), 2u);
    with_alerts += !alerts.empty();
    for (const auto& alert : alerts) {
      ASSERT_EQ(keys(alert), (std::vector<std::string>{"code", "severity"}));
      EXPECT_TRUE(alert_codes.contains(alert["code"].get<std::string>())) << record;
      ASSERT_TRUE(alert["severity"].is_number_integer());
      EXPECT_GE(alert["severity"].get<int>(), 1);
      EXPECT_LE(alert["severity"].get<int>(), 3);
    }
  }
  double average = static_cast<double>(total_bytes) / kRecords;
  EXPECT_GT(average, 280);
  EXPECT_LT(average, 400);
  EXPECT_LT(with_alerts, kRecords / 5) << "most records have no alert";
  EXPECT_GT(locked, kRecords * 8 / 10) << "doors are mostly locked";
  EXPECT_LT(locked, kRecords) << "but not always";
}

TEST(VehicleGeneratorTest, FixedPrecisionKeepsNumberTypesStable) {
  VehicleGenerator generator(5, 3);
  std::string record = generator.Next(kStartMs);
  // Whole values still print with decimals, so the crawler always sees doubles.
  EXPECT_TRUE(std::regex_search(record, std::regex(R"("speed_kmh":\d+\.\d,)"))) << record;
  EXPECT_TRUE(std::regex_search(record, std::regex(R"("latitude":-\d+\.\d{5},)"))) << record;
  EXPECT_TRUE(std::regex_search(record, std::regex(R"("fuel_level":[01]\.\d{3},)"))) << record;
  EXPECT_TRUE(std::regex_search(record, std::regex(R"("heading":\d+\.\d\})"))) << record;
}

TEST(VehicleGeneratorTest, VehiclesMovePlausiblyAndStayNearTheirCity) {
  const int kVehicles = 25;
  VehicleGenerator generator(kVehicles, 99);
  struct Last {
    double lat, lon, odometer;
  };
  std::map<int, Last> last;
  std::map<int, double> travelled_km;
  double max_city_km = 0;
  // 1000 readings per vehicle, 30 s apart: more than 8 simulated hours.
  const int64_t kStepMs = 30'000;
  for (int round = 0; round < 1000; ++round) {
    for (int v = 0; v < kVehicles; ++v) {
      std::string record = generator.Next(kStartMs + round * kStepMs);
      double lat = NumberAfter(record, R"("latitude":)");
      double lon = NumberAfter(record, R"("longitude":)");
      double odometer = NumberAfter(record, R"("odometer_km":)");
      max_city_km = std::max(max_city_km, NearestCityKm(lat, lon));
      if (auto it = last.find(v); it != last.end()) {
        double km = DistanceKm(it->second.lat, it->second.lon, lat, lon);
        // 110 km/h for 30 s is 917 m; allow for the printed rounding.
        ASSERT_LT(km, 0.92) << "vehicle " << v << " jumped in round " << round;
        ASSERT_GE(odometer, it->second.odometer) << "odometer of vehicle " << v << " went back";
        travelled_km[v] += km;
      }
      last[v] = {lat, lon, odometer};
    }
  }
  EXPECT_LT(max_city_km, 50.0);
  EXPECT_GT(max_city_km, 5.0) << "vehicles roam, they do not sit on the city centre";
  int moving = 0;
  for (const auto& [v, km] : travelled_km) moving += km > 20.0;
  EXPECT_GT(moving, kVehicles * 9 / 10) << "nearly every truck drives in 8 hours";
}

TEST(VehicleGeneratorTest, AlertsAreRareButEveryKindShowsUp) {
  const int kVehicles = 2000;
  VehicleGenerator generator(kVehicles, 4);
  std::map<std::string, int> counts;
  int with_alerts = 0, records = 0;
  for (int round = 0; round < 10; ++round) {
    for (int v = 0; v < kVehicles; ++v, ++records) {
      std::string record = generator.Next(kStartMs + round * 10'000);
      with_alerts += record.find(R"("alerts":[])") == std::string::npos;
      for (const char* code : {"TIRE_PRESSURE", "ENGINE_TEMP", "LOW_FUEL", "HARSH_BRAKING"}) {
        counts[code] += record.find(code) != std::string::npos;
      }
    }
  }
  EXPECT_LT(with_alerts, records / 5);
  EXPECT_GT(with_alerts, records / 100);
  for (const auto& [code, count] : counts) EXPECT_GT(count, 0) << code;
  EXPECT_EQ(counts.size(), 4u);
}

TEST(VehicleGeneratorTest, LongGapsAreCappedAndStillStayNearTheCity) {
  VehicleGenerator generator(20, 5);
  for (int round = 0; round < 100; ++round) {
    for (int v = 0; v < 20; ++v) {
      // Six hours between readings: each counts as VehicleGenerator::kMaxStepMs of driving.
      std::string record = generator.Next(kStartMs + round * int64_t{6 * 3600 * 1000});
      double lat = NumberAfter(record, R"("latitude":)");
      double lon = NumberAfter(record, R"("longitude":)");
      ASSERT_LT(NearestCityKm(lat, lon), 50.0) << record;
    }
  }
}

TEST(VehicleGeneratorTest, TimeGoingBackwardsDoesNotMoveAVehicle) {
  VehicleGenerator generator(1, 11);
  generator.Next(kStartMs);
  std::string later = generator.Next(kStartMs + 60'000);
  std::string earlier = generator.Next(kStartMs + 30'000);
  auto position = [](const std::string& r) { return r.substr(r.find("\"gps_info\"")); };
  EXPECT_EQ(position(later), position(earlier));
  EXPECT_NE(later.find(FormatIso8601Millis(kStartMs + 60'000)), std::string::npos);
  EXPECT_NE(earlier.find(FormatIso8601Millis(kStartMs + 30'000)), std::string::npos);
}

TEST(VehicleGeneratorTest, VendorsAreSkewedNotUniform) {
  const int kVehicles = 10000;
  VehicleGenerator generator(kVehicles, 1);
  std::map<std::string, int> counts;
  const std::string_view key = R"("vendor":")";
  for (int i = 0; i < kVehicles; ++i) {
    std::string record = generator.Next(kStartMs);
    size_t start = record.find(key) + key.size();
    ++counts[record.substr(start, record.find('"', start) - start)];
  }
  ASSERT_EQ(counts.size(), 6u);
  const char* order[] = {"volvo", "scania", "mercedes", "man", "iveco", "daf"};
  for (int i = 0; i + 1 < 6; ++i) EXPECT_GT(counts[order[i]], counts[order[i + 1]]) << order[i];
  EXPECT_GT(counts["volvo"], 4 * counts["daf"]);
}

TEST(VehicleGeneratorTest, FleetIdentityDoesNotDependOnSeedOrFleetSize) {
  VehicleGenerator small(50, 1), large(300, 2);
  for (int i = 0; i < 50; ++i) {
    auto a = nlohmann::json::parse(small.Next(kStartMs));
    auto b = nlohmann::json::parse(large.Next(kStartMs));
    EXPECT_EQ(a["vehicle_id"], b["vehicle_id"]);
    EXPECT_EQ(a["vendor"], b["vendor"]);
    EXPECT_EQ(a["model"], b["model"]);
    // The home city too: both readings are near the same city centre.
    double best_a = 1e9, best_b = 1e9;
    int city_a = -1, city_b = -1;
    auto cities = VehicleGenerator::Cities();
    for (size_t c = 0; c < cities.size(); ++c) {
      double da = DistanceKm(a["gps_info"]["latitude"], a["gps_info"]["longitude"], cities[c].latitude,
                             cities[c].longitude);
      double db = DistanceKm(b["gps_info"]["latitude"], b["gps_info"]["longitude"], cities[c].latitude,
                             cities[c].longitude);
      if (da < best_a) best_a = da, city_a = static_cast<int>(c);
      if (db < best_b) best_b = db, city_b = static_cast<int>(c);
    }
    EXPECT_EQ(city_a, city_b) << a["vehicle_id"];
  }
}

TEST(VehicleGeneratorTest, CitiesAreInBrazil) {
  auto cities = VehicleGenerator::Cities();
  ASSERT_GE(cities.size(), 5u);
  for (const auto& city : cities) {
    EXPECT_LT(city.latitude, -5.0) << city.name;
    EXPECT_GT(city.latitude, -34.0) << city.name;
    EXPECT_LT(city.longitude, -34.0) << city.name;
    EXPECT_GT(city.longitude, -74.0) << city.name;
    EXPECT_GT(city.radius_km, 0.0);
  }
}

}  // namespace
}  // namespace lakebox::producer

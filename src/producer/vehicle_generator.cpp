#include "producer/vehicle_generator.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <limits>
#include <numbers>

#include <fmt/format.h>

#include "common/time.h"

namespace lakebox::producer {
namespace {

constexpr VehicleGenerator::City kCities[] = {
    // Centres are moved inland where the real centre is on the coast, so that trucks stay on land.
    {"São Paulo", -23.5505, -46.6333, 760.0, 25.0},
    {"Rio de Janeiro", -22.8600, -43.3300, 15.0, 12.0},
    {"Curitiba", -25.4284, -49.2733, 935.0, 15.0},
    {"Belo Horizonte", -19.9167, -43.9345, 852.0, 15.0},
    {"Porto Alegre", -30.0500, -51.1700, 10.0, 10.0},
};
constexpr double kCityWeights[] = {40, 20, 15, 15, 10};
static_assert(std::size(kCityWeights) == std::size(kCities));

struct Vendor {
  std::string_view name;
  std::string_view models[4];
  int model_count;
};
constexpr Vendor kVendors[] = {
    {"volvo", {"FH16", "FH", "FM", "VM"}, 4},
    {"scania", {"R 450", "S 500", "G 410", "P 320"}, 4},
    {"mercedes", {"Actros", "Axor", "Atego", "Accelo"}, 4},
    {"man", {"TGX", "TGS", "TGM"}, 3},
    {"iveco", {"S-Way", "Tector", "Daily"}, 3},
    {"daf", {"XF", "CF", "LF"}, 3},
};
constexpr double kVendorWeights[] = {30, 24, 20, 12, 9, 5};
static_assert(std::size(kVendorWeights) == std::size(kVendors));

constexpr double kMaxSpeedKmh = 110.0;
constexpr double kMaxSubstepSeconds = 5.0;
constexpr double kMetersPerDegreeLat = 110574.0;
constexpr double kMetersPerDegreeLonAtEquator = 111320.0;
constexpr double kRefuelBelow = 0.08;
constexpr double kFuelPerKm = 0.35 / 600.0;  // 35 l/100 km from a 600 l tank
constexpr double kFuelPerIdleSecond = 2.0 / 3600.0 / 600.0;
constexpr double kNominalTireBar = 8.5;

// SplitMix64: tiny, fast, statistically good, and the same everywhere.
uint64_t NextRandom(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
double UnitFromBits(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }
double Uniform(uint64_t& state) { return UnitFromBits(NextRandom(state)); }
double Uniform(uint64_t& state, double lo, double hi) { return lo + (hi - lo) * Uniform(state); }
double Normal(uint64_t& state, double stddev) {
  double u1 = 1.0 - Uniform(state);  // (0, 1], so log() is finite
  double u2 = Uniform(state);
  return stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}
// A fixed pseudo-random number in [0, 1) for fleet attribute `salt` of vehicle `index`.
double FleetUnit(int index, uint64_t salt) {
  uint64_t state = static_cast<uint64_t>(index) * 8 + salt;
  return UnitFromBits(NextRandom(state));
}

template <size_t N>
size_t PickWeighted(const double (&weights)[N], double unit) {
  double total = 0;
  for (double w : weights) total += w;
  double x = unit * total;
  for (size_t i = 0; i < N; ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return N - 1;
}

double Radians(double degrees) { return degrees * std::numbers::pi / 180.0; }
double Degrees(double radians) { return radians * 180.0 / std::numbers::pi; }
double WrapDegrees(double d) {
  d = std::fmod(d, 360.0);
  return d < 0 ? d + 360.0 : d;
}

// Local flat-earth offsets, fine at city scale.
double EastMeters(double lon, double lon0, double lat0) {
  return (lon - lon0) * kMetersPerDegreeLonAtEquator * std::cos(Radians(lat0));
}
double NorthMeters(double lat, double lat0) { return (lat - lat0) * kMetersPerDegreeLat; }

double DrawTargetSpeed(uint64_t& rng) {
  double u = Uniform(rng);
  if (u < 0.15) return 0.0;                // parked, loading, traffic light
  if (u < 0.60) return Uniform(rng, 20, 60);  // city streets
  return Uniform(rng, 60, kMaxSpeedKmh);    // avenues and highways
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendInt(std::string& out, int64_t value, int min_digits = 1) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  for (int pad = min_digits - static_cast<int>(end - digits); pad > 0; --pad) out.push_back('0');
  out.append(digits, end);
}

// `value` with exactly `decimals` fraction digits, through integer arithmetic: fmt's fixed-precision
// path is several times slower, and this is most of the cost of a record. JSON has no NaN or
// infinity; the state is kept finite, and this guarantees the output is valid anyway.
void AppendFixed(std::string& out, double value, int decimals) {
  static constexpr int64_t kPowers[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  double scaled = std::round(value * static_cast<double>(kPowers[decimals]));
  if (std::fabs(scaled) >= 1e15) {  // beyond exact int64 arithmetic; never for a vehicle's state
    fmt::format_to(std::back_inserter(out), "{:.{}f}", value, decimals);
    return;
  }
  auto units = static_cast<int64_t>(scaled);
  if (units < 0) {
    out.push_back('-');
    units = -units;
  }
  AppendInt(out, units / kPowers[decimals]);
  if (decimals > 0) {
    out.push_back('.');
    AppendInt(out, units % kPowers[decimals], decimals);
  }
}

}  // namespace

std::span<const VehicleGenerator::City> VehicleGenerator::Cities() { return kCities; }

VehicleGenerator::VehicleGenerator(int vehicles, uint64_t seed) : rng_(seed) {
  int fleet = std::max(vehicles, 1);
  vehicles_.reserve(static_cast<size_t>(fleet));
  for (int i = 0; i < fleet; ++i) {
    Vehicle v{};
    v.index = i;
    const Vendor& vendor = kVendors[PickWeighted(kVendorWeights, FleetUnit(i, 1))];
    v.vendor = vendor.name;
    v.model = vendor.models[static_cast<int>(FleetUnit(i, 2) * vendor.model_count)];
    v.city = &kCities[PickWeighted(kCityWeights, FleetUnit(i, 3))];

    // Uniform over a disc a little inside the roaming radius.
    double r = 0.8 * v.city->radius_km * 1000.0 * std::sqrt(Uniform(rng_));
    double angle = Uniform(rng_, 0, 2 * std::numbers::pi);
    v.latitude = v.city->latitude + r * std::cos(angle) / kMetersPerDegreeLat;
    v.longitude = v.city->longitude + r * std::sin(angle) / (kMetersPerDegreeLonAtEquator *
                                                             std::cos(Radians(v.city->latitude)));
    v.last_ms = std::numeric_limits<int64_t>::min();
    v.altitude_offset_m = Uniform(rng_, -20, 20);
    v.heading_deg = Uniform(rng_, 0, 360);
    v.target_speed_kmh = DrawTargetSpeed(rng_);
    v.speed_kmh = v.target_speed_kmh;
    // A few trucks have a cooling problem and run hot: the source of most ENGINE_TEMP alerts.
    v.engine_temp_bias_c = Uniform(rng_) < 0.03 ? 18.0 : Normal(rng_, 2.0);
    v.engine_temp_c = 80.0 + 0.1 * v.speed_kmh + v.engine_temp_bias_c + Normal(rng_, 1.0);
    v.fuel_level = Uniform(rng_, kRefuelBelow, 1.0);
    v.odometer_km = Uniform(rng_, 20'000, 800'000);
    v.tire_pressure_bar = Uniform(rng_) < 0.02 ? Uniform(rng_, 5.0, 7.0) : Uniform(rng_, 8.0, 9.0);
    v.doors_locked = v.speed_kmh > 0 || Uniform(rng_) < 0.6;
    v.harsh_braking = false;
    vehicles_.push_back(v);
  }
}

std::string VehicleGenerator::Next(int64_t now_ms) {
  Vehicle& v = vehicles_[next_];
  next_ = (next_ + 1) % vehicles_.size();
  if (v.last_ms == std::numeric_limits<int64_t>::min()) {
    v.last_ms = now_ms;
  } else if (now_ms > v.last_ms) {
    Advance(v, static_cast<double>(std::min(now_ms - v.last_ms, kMaxStepMs)) / 1000.0);
    v.last_ms = now_ms;
  }
  std::string out;
  out.reserve(384);
  AppendRecord(v, now_ms, out);
  v.harsh_braking = false;
  return out;
}

void VehicleGenerator::Advance(Vehicle& v, double seconds) {
  // Sub-steps keep turning and steering gradual however far apart two readings are.
  int steps = static_cast<int>(std::ceil(seconds / kMaxSubstepSeconds));
  for (int i = 0; i < steps; ++i) Step(v, seconds / steps);
}

void VehicleGenerator::Step(Vehicle& v, double dt) {
  // Speed: drift toward a target that changes about every 45 s; now and then a hard stop.
  if (Uniform(rng_) < dt / 45.0) {
    double previous = v.target_speed_kmh;
    v.target_speed_kmh = DrawTargetSpeed(rng_);
    if (v.target_speed_kmh < previous && v.speed_kmh > 30 && Uniform(rng_) < 0.08) {
      v.speed_kmh = std::max(v.target_speed_kmh, v.speed_kmh - 5.0 * 3.6 * dt);  // 5 m/s²
      v.harsh_braking = true;
    }
  }
  double max_up = 1.0 * 3.6 * dt, max_down = 1.5 * 3.6 * dt;
  v.speed_kmh += std::clamp(v.target_speed_kmh - v.speed_kmh, -max_down, max_up);
  if (v.target_speed_kmh > 0) v.speed_kmh += Normal(rng_, 1.0) * std::sqrt(dt);
  v.speed_kmh = std::clamp(v.speed_kmh, 0.0, kMaxSpeedKmh);

  // Heading: wander slowly, turn at a corner now and then, steer home when out of the city.
  if (v.speed_kmh > 1.0) {
    v.heading_deg += Normal(rng_, 1.5) * std::sqrt(dt);
    if (v.speed_kmh < 60 && Uniform(rng_) < dt / 90.0) v.heading_deg += Uniform(rng_) < 0.5 ? 90 : -90;
    double east = EastMeters(v.longitude, v.city->longitude, v.city->latitude);
    double north = NorthMeters(v.latitude, v.city->latitude);
    if (std::hypot(east, north) > v.city->radius_km * 1000.0) {
      double home = Degrees(std::atan2(-east, -north));
      double diff = WrapDegrees(home - v.heading_deg + 180.0) - 180.0;
      v.heading_deg += std::clamp(diff, -4.0 * dt, 4.0 * dt);
    }
    v.heading_deg = WrapDegrees(v.heading_deg);
  }

  double meters = v.speed_kmh / 3.6 * dt;
  double heading = Radians(v.heading_deg);
  v.latitude += meters * std::cos(heading) / kMetersPerDegreeLat;
  v.longitude += meters * std::sin(heading) / (kMetersPerDegreeLonAtEquator * std::cos(Radians(v.latitude)));
  v.odometer_km += meters / 1000.0;
  v.altitude_offset_m = std::clamp(v.altitude_offset_m * (1.0 - dt / 600.0) + Normal(rng_, 0.5) * std::sqrt(dt),
                                   -60.0, 60.0);

  v.fuel_level -= meters / 1000.0 * kFuelPerKm + dt * kFuelPerIdleSecond;
  if (v.fuel_level < kRefuelBelow) {  // a stop at the station, where the tires get checked too
    v.fuel_level = Uniform(rng_, 0.9, 1.0);
    v.tire_pressure_bar = kNominalTireBar;
  }
  if (Uniform(rng_) < dt / (6 * 3600.0)) v.tire_pressure_bar -= Uniform(rng_, 1.5, 3.0);
  v.tire_pressure_bar = std::max(v.tire_pressure_bar, 3.0);

  double target_temp = 80.0 + 0.1 * v.speed_kmh + v.engine_temp_bias_c;
  v.engine_temp_c += (target_temp - v.engine_temp_c) * std::min(1.0, dt / 120.0) + Normal(rng_, 0.2) * std::sqrt(dt);
  v.engine_temp_c = std::clamp(v.engine_temp_c, 60.0, 125.0);

  if (v.speed_kmh > 0) {
    v.doors_locked = true;
  } else if (Uniform(rng_) < dt / 120.0) {
    v.doors_locked = Uniform(rng_) < 0.6;
  }
}

void VehicleGenerator::AppendRecord(const Vehicle& v, int64_t now_ms, std::string& out) const {
  out += R"({"vehicle_id":")";
  out += "V-";
  AppendInt(out, v.index + 1, 5);
  out += R"(","vendor":)";
  AppendJsonString(out, v.vendor);
  out += R"(,"model":)";
  AppendJsonString(out, v.model);
  out += R"(,"event_time":")";
  out += FormatIso8601Millis(now_ms);
  out += R"(","vehicle_status":{"speed_kmh":)";
  AppendFixed(out, v.speed_kmh, 1);
  out += R"(,"engine_temp_c":)";
  AppendFixed(out, v.engine_temp_c, 1);
  out += R"(,"fuel_level":)";
  AppendFixed(out, v.fuel_level, 3);
  out += R"(,"odometer_km":)";
  AppendInt(out, static_cast<int64_t>(v.odometer_km));
  out += R"(,"doors_locked":)";
  out += v.doors_locked ? "true" : "false";
  out += R"(},"gps_info":{"latitude":)";
  AppendFixed(out, v.latitude, 5);
  out += R"(,"longitude":)";
  AppendFixed(out, v.longitude, 5);
  out += R"(,"altitude_m":)";
  AppendFixed(out, v.city->altitude_m + v.altitude_offset_m, 1);
  out += R"(,"heading":)";
  // Rounded here so that 359.96 does not print as 360.0.
  double heading = std::round(v.heading_deg * 10.0) / 10.0;
  AppendFixed(out, heading >= 360.0 ? 0.0 : heading, 1);
  out += R"(},"alerts":[)";

  struct Alert {
    std::string_view code;
    int severity;
  };
  Alert alerts[2];
  int count = 0;
  auto add = [&](std::string_view code, int severity) {
    if (count < 2) alerts[count++] = {code, severity};
  };
  if (v.engine_temp_c > 100.0) add("ENGINE_TEMP", v.engine_temp_c > 105.0 ? 3 : 2);
  if (v.tire_pressure_bar < 7.0) add("TIRE_PRESSURE", v.tire_pressure_bar < 5.5 ? 3 : 2);
  if (v.fuel_level < 0.12) add("LOW_FUEL", v.fuel_level < 0.10 ? 2 : 1);
  if (v.harsh_braking) add("HARSH_BRAKING", 2);
  for (int i = 0; i < count; ++i) {
    if (i > 0) out.push_back(',');
    out += R"({"code":)";
    AppendJsonString(out, alerts[i].code);
    out += R"(,"severity":)";
    AppendInt(out, alerts[i].severity);
    out.push_back('}');
  }
  out += "]}\n";
}

}  // namespace lakebox::producer

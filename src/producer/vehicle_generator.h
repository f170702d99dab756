// VehicleGenerator: the seed's Lambda "dummy generator" (vehicles.py). It simulates a fleet of
// trucks around a few Brazilian cities and renders one telemetry reading per call, as one line of
// JSON in the shape DESIGN.md fixes ("Sample data"):
//
//   {"vehicle_id":"V-00042","vendor":"volvo","model":"FH16","event_time":"2026-11-25T22:16:52.123Z",
//    "vehicle_status":{"speed_kmh":63.2,"engine_temp_c":88.1,"fuel_level":0.412,"odometer_km":123456,
//                      "doors_locked":true},
//    "gps_info":{"latitude":-23.55012,"longitude":-46.63321,"altitude_m":760.2,"heading":271.0},
//    "alerts":[{"code":"TIRE_PRESSURE","severity":2}]}\n
//
// (one line; the trailing "\n" is part of the record, because Firehose concatenates records with no
// delimiter). Every number is finite and printed with a fixed precision, so every record has the
// same JSON types: odometer_km and severity are integers, the other numbers always carry decimals.
//
// The fleet: vehicle i (0-based) has id "V-%05d" of i + 1, and its vendor, model and home city
// depend on i only, not on the seed or the fleet size, so V-00042 is the same truck in every run.
// Vendors are skewed (volvo > scania > mercedes > man > iveco > daf), as in a real Brazilian fleet.
// The seed drives everything that moves: start position, heading, speed, fuel, alerts.
//
// Motion: readings go round-robin over the fleet. A vehicle advances by the time elapsed since its
// own previous reading (at most kMaxStepMs; a longer gap counts as kMaxStepMs, as if it had been
// parked): speed drifts toward a target that changes now and then (stops, city, highway; 0-110
// km/h), the heading turns slowly, and a vehicle farther than its city's radius steers back toward
// the centre, so it stays within a few km of that radius. Fuel falls with distance (refuelling
// when low), the odometer grows, the engine warms with speed. Most readings have no alerts; a
// reading has at most two (TIRE_PRESSURE, ENGINE_TEMP, LOW_FUEL, HARSH_BRAKING, severity 1-3).
//
// Deterministic: two generators built with the same (vehicles, seed) and called with the same
// now_ms sequence return identical records. The PRNG and its distributions are lakebox's own, so
// the output does not change with the standard library's <random> implementation.
//
// Thread safety: none; use one generator per thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lakebox::producer {

class VehicleGenerator {
 public:
  static constexpr int kDefaultVehicles = 200;
  // Longest time a vehicle is simulated between two of its readings.
  static constexpr int64_t kMaxStepMs = 10 * 60 * 1000;

  struct City {
    std::string_view name;
    double latitude;
    double longitude;
    double altitude_m;
    double radius_km;  // vehicles roam within about this distance of (latitude, longitude)
  };
  // The cities vehicles are based in.
  static std::span<const City> Cities();

  // A fleet of `vehicles` trucks (fewer than 1 counts as 1), moving as `seed` dictates.
  VehicleGenerator(int vehicles, uint64_t seed);

  // The next reading, of the next vehicle in round-robin order, taken at `now_ms` (Unix epoch
  // milliseconds, the record's event_time). Times should not go backwards for a vehicle; if they
  // do, the vehicle does not move. About 300-350 bytes, ending in "\n".
  std::string Next(int64_t now_ms);

  int vehicles() const { return static_cast<int>(vehicles_.size()); }

 private:
  struct Vehicle {
    int index;
    const City* city;
    std::string_view vendor;
    std::string_view model;
    int64_t last_ms;  // time of the previous reading; INT64_MIN before the first
    double latitude;
    double longitude;
    double altitude_offset_m;
    double heading_deg;
    double speed_kmh;
    double target_speed_kmh;
    double engine_temp_c;
    double engine_temp_bias_c;  // how much hotter than normal this engine runs
    double fuel_level;  // 0..1
    double odometer_km;
    double tire_pressure_bar;
    bool doors_locked;
    bool harsh_braking;  // decelerated hard since the previous reading
  };

  void Advance(Vehicle& v, double seconds);
  void Step(Vehicle& v, double seconds);
  void AppendRecord(const Vehicle& v, int64_t now_ms, std::string& out) const;

  std::vector<Vehicle> vehicles_;
  size_t next_ = 0;
  uint64_t rng_;
};

}  // namespace lakebox::producer

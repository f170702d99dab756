// The dashboards compiled into lakebox, as TOML parsed by the same code as lakebox.toml's, so they
// are checked by the same rules (tests/unit/dashboard parse them). docs/dashboards.md shows them.
//
// "vehicles" is the seed's QuickSight analysis over the stage table the seed's job writes
// ("vehicles"."vehicles_stage": vehicle_id, vendor (the partition key), model, event_time as
// ISO-8601 text, vehicle_status_speed_kmh, gps_info_latitude, gps_info_longitude, ...). Every
// query is one aggregation pass over the columns it needs, so each stays well under 200 ms on a
// million rows (docs/BENCHMARKS.md): the latest reading per vehicle is max_by(column, event_time)
// per column rather than a row_number() window, which sorts every row (3-4x slower). event_time
// text orders as time because every record writes it in the same fixed-width form
// ("2026-11-25T22:16:52.123Z").
#include "dashboard/dashboard_toml.h"

namespace lakebox::dashboard {

std::string_view BuiltinDashboardsToml() {
  return R"toml(
[[dashboard]]
name = "vehicles"
title = "Vehicles"
database = "vehicles"
refresh_seconds = 5

[[dashboard.dataset]]
name = "latest_positions"
sql = """
SELECT vehicle_id,
       max_by(vendor, event_time) AS vendor,
       max_by(model, event_time) AS model,
       max_by(gps_info_latitude, event_time) AS latitude,
       max_by(gps_info_longitude, event_time) AS longitude,
       max_by(vehicle_status_speed_kmh, event_time) AS speed_kmh,
       max(event_time) AS event_time
FROM "vehicles"."vehicles_stage"
GROUP BY vehicle_id
ORDER BY vehicle_id
"""

[[dashboard.dataset]]
name = "records_by_vendor"
sql = """
SELECT vendor, count(*) AS records
FROM "vehicles"."vehicles_stage"
GROUP BY vendor
ORDER BY records DESC, vendor
"""

[[dashboard.dataset]]
name = "totals"
sql = """
SELECT count(*) AS records, count(DISTINCT vehicle_id) AS vehicles
FROM "vehicles"."vehicles_stage"
"""

[[dashboard.dataset]]
name = "records_per_minute"
sql = """
SELECT substr(event_time, 1, 16) || ':00Z' AS minute, count(*) AS records
FROM "vehicles"."vehicles_stage"
GROUP BY 1
ORDER BY 1
"""

[[dashboard.dataset]]
name = "speed_by_vendor"
sql = """
SELECT vendor, round(avg(vehicle_status_speed_kmh), 1) AS avg_speed_kmh
FROM "vehicles"."vehicles_stage"
GROUP BY vendor
ORDER BY vendor
"""

[[dashboard.visual]]
id = "map"
type = "map"
title = "Vehicles — latest position"
dataset = "latest_positions"
latitude = "latitude"
longitude = "longitude"
label = "vehicle_id"
details = ["vendor", "model", "speed_kmh", "event_time"]

[[dashboard.visual]]
id = "vendors"
type = "bar"
title = "Distribution by vendor"
dataset = "records_by_vendor"
category = "vendor"
value = "records"

[[dashboard.visual]]
id = "records"
type = "kpi"
title = "Records"
dataset = "totals"
value = "records"

[[dashboard.visual]]
id = "vehicles"
type = "kpi"
title = "Vehicles"
dataset = "totals"
value = "vehicles"

[[dashboard.visual]]
id = "per_minute"
type = "line"
title = "Records per minute"
dataset = "records_per_minute"
x = "minute"
y = "records"

[[dashboard.visual]]
id = "speed"
type = "bar"
title = "Average speed by vendor (km/h)"
dataset = "speed_by_vendor"
category = "vendor"
value = "avg_speed_kmh"
)toml";
}

}  // namespace lakebox::dashboard

#include "schedule/schedule_expression.h"

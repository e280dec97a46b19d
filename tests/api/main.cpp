// Entry point of the API tests; each TEST_CASE starts its own reeld.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

// `reeld import`: the offline bulk loader (actors/bulk_load.hpp) behind a command line.
#pragma once

namespace reel::app {

int run_import(int argc, char** argv);

}  // namespace reel::app

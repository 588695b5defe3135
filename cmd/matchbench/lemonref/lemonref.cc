// lemonref: reference solver for the matching benchmark.
//
// Reads a DIMACS min-cost-flow file ("p min", "n", "a" lines) and solves it
// with LEMON's network simplex and cost scaling, printing one line per
// algorithm so that matchbench can compare optima and times:
//
//   ns cost=<int> seconds=<float> cpu=<float>
//   cs cost=<int> seconds=<float> cpu=<float>
//
// seconds is wall-clock time, cpu the process's CPU time over the same run(),
// which on a machine shared with other work varies less.
// Usage: lemonref FILE [ns|cs|both]
// Exit status 2 on bad input, 3 if the problem is infeasible or unbounded.
#include <lemon/cost_scaling.h>
#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

using namespace lemon;
typedef SmartDigraph G;
typedef long long V;

static double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

static double cpuSeconds() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

template <typename Alg>
static int run(const char *name, Alg &alg, const G::ArcMap<V> &lower, const G::ArcMap<V> &cap,
               const G::ArcMap<V> &cost, const G::NodeMap<V> &supply) {
  auto t0 = std::chrono::steady_clock::now();
  double c0 = cpuSeconds();
  alg.lowerMap(lower).upperMap(cap).costMap(cost).supplyMap(supply);
  typename Alg::ProblemType r = alg.run();
  double s = since(t0), c = cpuSeconds() - c0;
  if (r != Alg::OPTIMAL) {
    std::printf("%s status=%s seconds=%.6f\n", name, r == Alg::INFEASIBLE ? "infeasible" : "unbounded", s);
    return 3;
  }
  std::printf("%s cost=%lld seconds=%.6f cpu=%.6f\n", name, (long long)alg.totalCost(), s, c);
  std::fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: lemonref FILE [ns|cs|both]\n");
    return 2;
  }
  std::string which = argc > 2 ? argv[2] : "both";
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "lemonref: cannot open %s\n", argv[1]);
    return 2;
  }
  G g;
  G::ArcMap<V> lower(g), cap(g), cost(g);
  G::NodeMap<V> supply(g);
  auto t0 = std::chrono::steady_clock::now();
  try {
    readDimacsMin(in, g, lower, cap, cost, supply);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "lemonref: bad DIMACS input: %s\n", e.what());
    return 2;
  }
  std::printf("read nodes=%d arcs=%d seconds=%.6f\n", countNodes(g), countArcs(g), since(t0));
  int rc = 0;
  if (which == "ns" || which == "both") {
    NetworkSimplex<G, V, V> ns(g);
    rc |= run("ns", ns, lower, cap, cost, supply);
  }
  if (which == "cs" || which == "both") {
    CostScaling<G, V, V> cs(g);
    rc |= run("cs", cs, lower, cap, cost, supply);
  }
  return rc;
}

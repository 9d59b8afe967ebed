/* core_round_trip.c: how far apart the machine's first two cores are, as the time of a round
 * trip of one cache line between them (thread 0 on CPU 0 writes a flag, thread 1 on CPU 1
 * answers), in ns. A virtual machine's cores can move: this one's two vCPUs measured 55-140
 * ns when they share an L3 and 330-400 ns when they sit on different ones, and there every
 * line one core wrote and the other reads (or read and the other writes) costs that much more.
 * `make bench` runs it before and after each rdc measurement, so every round says which kind
 * of machine it ran on. Prints one JSON line.
 *
 *   clang -O3 -fopenmp bench/core_round_trip.c -o core_round_trip && ./core_round_trip
 */
#define _GNU_SOURCE
#include <omp.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

enum { TRIPS = 20000, REPEATS = 5 };

static _Alignas(128) atomic_int flag;

/* Pins the calling thread to `cpu`; false where the machine has no such CPU. */
static int pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0;
}

int main(void)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {   /* one core: nothing to measure */
        printf("{\"what\":\"core_round_trip\",\"threads\":1}\n");
        return 0;
    }
    double best = 1e30;
    int pinned = 1;
    for (int r = 0; r < REPEATS; r++) {
        double seconds = 0;
        #pragma omp parallel num_threads(2) reduction(&&:pinned)
        {
            const int me = omp_get_thread_num();
            pinned = pin(me);
            #pragma omp barrier
            const double start = omp_get_wtime();
            for (int i = 0; i < TRIPS; i++) {
                if (me == 0) {
                    atomic_store_explicit(&flag, 1, memory_order_release);
                    while (atomic_load_explicit(&flag, memory_order_acquire) != 0) {}
                } else {
                    while (atomic_load_explicit(&flag, memory_order_acquire) != 1) {}
                    atomic_store_explicit(&flag, 0, memory_order_release);
                }
            }
            if (me == 0) seconds = omp_get_wtime() - start;
        }
        if (seconds < best) best = seconds;
    }
    printf("{\"what\":\"core_round_trip\",\"threads\":2,\"pinned\":%s,\"round_trip_ns\":%.1f}\n", pinned ? "true" : "false",
           best / TRIPS * 1e9);
    return 0;
}

/* Windows of samples: alignment, completeness, minimum samples, eviction, the value before any
 * window is complete, and the count of recent windows. */
#include <errno.h>

#include "monitor/window.h"
#include "tests/harness.h"

TEST(value_from_first_samples_before_any_window_completes)
{
    struct mon_windows *w = mon_windows_create(1000, 3, 2);
    double v = -1;
    CHECK_INT_EQ(mon_windows_value(w, 0, 500, &v), -ENOENT);
    CHECK_INT_EQ(mon_windows_add(w, 0, 100, 10), 0);
    CHECK_INT_EQ(mon_windows_value(w, 0, 150, &v), 0); /* current window only */
    CHECK_NEAR(v, 10, 1e-9);
    CHECK_INT_EQ(mon_windows_recent(w, 150), 0);
    CHECK_INT_EQ(mon_windows_value(w, 1, 150, &v), -ENOENT); /* unknown entity */
    mon_windows_destroy(w);
}

TEST(mean_of_window_means_over_valid_complete_windows)
{
    struct mon_windows *w = mon_windows_create(1000, 3, 2);
    /* window 0: 10, 20 (valid, mean 15); window 1: 100 (one sample: invalid);
     * window 2: 30, 30, 30 (valid, mean 30); window 3: current, 1000 */
    mon_windows_add(w, 0, 0, 10);
    mon_windows_add(w, 0, 999, 20);
    mon_windows_add(w, 0, 1500, 100);
    for (int i = 0; i < 3; i++)
        mon_windows_add(w, 0, 2000 + i * 100, 30);
    mon_windows_add(w, 0, 3100, 1000);
    double v;
    CHECK_INT_EQ(mon_windows_value(w, 0, 3200, &v), 2);
    CHECK_NEAR(v, (15 + 30) / 2.0, 1e-9);
    CHECK_INT_EQ(mon_windows_recent(w, 3200), 3);
    /* as of window 2 (not yet complete): only window 0 counts */
    CHECK_INT_EQ(mon_windows_value(w, 0, 2500, &v), 1);
    CHECK_NEAR(v, 15, 1e-9);
    mon_windows_destroy(w);
}

TEST(old_windows_leave_and_old_samples_are_refused)
{
    struct mon_windows *w = mon_windows_create(1000, 2, 1);
    for (int k = 0; k < 6; k++)
        CHECK_INT_EQ(mon_windows_add(w, 0, k * 1000 + 10, k), 0);
    /* kept: windows 3, 4 complete (values 3, 4) and 5 current */
    double v;
    CHECK_INT_EQ(mon_windows_value(w, 0, 5500, &v), 2);
    CHECK_NEAR(v, 3.5, 1e-9);
    CHECK_INT_EQ(mon_windows_add(w, 0, 2500, 99), -ERANGE); /* older than window 3 */
    CHECK_INT_EQ(mon_windows_add(w, 0, 3500, 5), 0);        /* still kept: joins window 3 */
    CHECK_INT_EQ(mon_windows_value(w, 0, 5500, &v), 2);
    CHECK_NEAR(v, (4 + 4) / 2.0, 1e-9);
    /* long silence: nothing complete within the last 2 windows, the kept samples still tell */
    CHECK_INT_EQ(mon_windows_recent(w, 60000), 0);
    CHECK_INT_EQ(mon_windows_value(w, 0, 60000, &v), 0);
    mon_windows_destroy(w);
}

TEST(entities_are_independent_and_grow)
{
    struct mon_windows *w = mon_windows_create(500, 4, 1);
    mon_windows_add(w, 7, 100, 70);
    mon_windows_add(w, 0, 100, 1);
    mon_windows_add(w, 7, 600, 80);
    double v;
    CHECK_INT_EQ(mon_windows_value(w, 7, 700, &v), 1);
    CHECK_NEAR(v, 70, 1e-9);
    CHECK_INT_EQ(mon_windows_value(w, 0, 700, &v), 1);
    CHECK_NEAR(v, 1, 1e-9);
    CHECK_INT_EQ(mon_windows_value(w, 3, 700, &v), -ENOENT); /* grown over, never sampled */
    /* a new window clears its slot for every entity */
    for (int k = 2; k < 7; k++)
        mon_windows_add(w, 7, k * 500 + 1, 1);
    CHECK_INT_EQ(mon_windows_value(w, 0, 3400, &v), -ENOENT);
    mon_windows_destroy(w);
}

TEST(negative_times_align_down)
{
    struct mon_windows *w = mon_windows_create(1000, 2, 1);
    mon_windows_add(w, 0, -1, 5);  /* window -1 */
    mon_windows_add(w, 0, 0, 7);   /* window 0 */
    double v;
    CHECK_INT_EQ(mon_windows_value(w, 0, 500, &v), 1);
    CHECK_NEAR(v, 5, 1e-9);
    mon_windows_destroy(w);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}

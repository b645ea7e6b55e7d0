<?php
/**
 * health_check.php: a reference health endpoint for PHP sites, answering in the JSON shape lookout's `health`
 * probe understands:
 *
 *   {"status": "ok|degraded|fail", "checks": {"db": {"status": "ok", "ms": 3.1}, ...}, "ms": 12.4}
 *
 * Drop it into the site's web root and point a `health` check at it. Everything is configured from the site's
 * environment (never from this file), and no secret is ever printed: errors are reduced to their kind.
 *
 *   HEALTH_TOKEN           when set, the request must send it (header X-Health-Token or ?token=); else 403
 *   HEALTH_DB_DSN          PDO DSN, e.g. mysql:host=127.0.0.1;dbname=shop  (DB_DSN is read too)
 *   HEALTH_DB_USER, HEALTH_DB_PASSWORD   (DB_USER, DB_PASSWORD too)
 *   HEALTH_WRITABLE        colon-separated folders that must be writable (cache, uploads)
 *   HEALTH_DISK_PATH       folder whose filesystem is measured (default: this folder)
 *   HEALTH_DISK_WARN_PCT, HEALTH_DISK_FAIL_PCT   used-space thresholds (default 85 and 95)
 *   HEALTH_CRON_FILE       a file the site's cron touches on every run; its age is checked
 *   HEALTH_CRON_WARN_S, HEALTH_CRON_FAIL_S       age thresholds in seconds (default 900 and 3600)
 *   HEALTH_QUEUE_SQL       a query returning one number: the queue backlog (e.g. SELECT COUNT(*) FROM jobs)
 *   HEALTH_QUEUE_WARN, HEALTH_QUEUE_FAIL         backlog thresholds (default 100 and 1000)
 *
 * Each component reports its status and timing; the overall status is the worst of them. The answer is HTTP 200
 * for ok and degraded and 503 for fail, so even a plain status-code monitor sees an outage. Every component has a
 * time budget (the database connects with a 2-second timeout) so the page answers in well under a second when
 * things are healthy and never hangs when they are not.
 */

declare(strict_types=1);

header('Content-Type: application/json; charset=utf-8');
header('Cache-Control: no-store');

function env_value(string ...$names): ?string {
    foreach ($names as $n) {
        $v = getenv($n);
        if ($v !== false && $v !== '') { return $v; }
    }
    return null;
}

function timed(callable $check): array {
    $start = microtime(true);
    try {
        $result = $check();
    } catch (Throwable $e) {
        // The exception message may hold a DSN, a host or a password: report only its kind.
        $result = ['status' => 'fail', 'error' => get_class($e)];
    }
    $result['ms'] = round((microtime(true) - $start) * 1000, 1);
    return $result;
}

$token = env_value('HEALTH_TOKEN');
if ($token !== null) {
    $given = $_SERVER['HTTP_X_HEALTH_TOKEN'] ?? ($_GET['token'] ?? '');
    if (!is_string($given) || !hash_equals($token, $given)) {
        http_response_code(403);
        echo json_encode(['status' => 'fail', 'error' => 'forbidden']), "\n";
        exit;
    }
}

$started = microtime(true);
$checks = [];
$pdo = null;

$dsn = env_value('HEALTH_DB_DSN', 'DB_DSN');
if ($dsn !== null) {
    $checks['db'] = timed(function () use ($dsn, &$pdo) {
        $pdo = new PDO($dsn, env_value('HEALTH_DB_USER', 'DB_USER'), env_value('HEALTH_DB_PASSWORD', 'DB_PASSWORD'), [
            PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
            PDO::ATTR_TIMEOUT => 2,
        ]);
        $pdo->query('SELECT 1')->fetchColumn();
        return ['status' => 'ok'];
    });
}

$diskPath = env_value('HEALTH_DISK_PATH') ?? __DIR__;
$checks['disk'] = timed(function () use ($diskPath) {
    $total = @disk_total_space($diskPath);
    $free = @disk_free_space($diskPath);
    if ($total === false || $free === false || $total <= 0) { return ['status' => 'fail', 'error' => 'cannot measure']; }
    $used = round((1 - $free / $total) * 100, 1);
    $warn = (float)(env_value('HEALTH_DISK_WARN_PCT') ?? 85);
    $fail = (float)(env_value('HEALTH_DISK_FAIL_PCT') ?? 95);
    $status = $used >= $fail ? 'fail' : ($used >= $warn ? 'degraded' : 'ok');
    return ['status' => $status, 'used_pct' => $used, 'free_gb' => round($free / 1073741824, 1)];
});

$writable = env_value('HEALTH_WRITABLE');
if ($writable !== null) {
    foreach (array_filter(explode(':', $writable)) as $i => $dir) {
        $name = 'writable_' . (preg_replace('/[^a-z0-9]+/i', '_', basename($dir)) ?: (string)$i);
        $checks[$name] = timed(function () use ($dir) {
            if (!is_dir($dir)) { return ['status' => 'fail', 'error' => 'missing']; }
            $probe = $dir . '/.health_check_' . getmypid();
            if (@file_put_contents($probe, 'ok') === false) { return ['status' => 'fail', 'error' => 'not writable']; }
            @unlink($probe);
            return ['status' => 'ok'];
        });
    }
}

$cronFile = env_value('HEALTH_CRON_FILE');
if ($cronFile !== null) {
    $checks['cron'] = timed(function () use ($cronFile) {
        clearstatcache(true, $cronFile);
        $mtime = @filemtime($cronFile);
        if ($mtime === false) { return ['status' => 'fail', 'error' => 'never ran']; }
        $age = time() - $mtime;
        $warn = (int)(env_value('HEALTH_CRON_WARN_S') ?? 900);
        $fail = (int)(env_value('HEALTH_CRON_FAIL_S') ?? 3600);
        return ['status' => $age >= $fail ? 'fail' : ($age >= $warn ? 'degraded' : 'ok'), 'age_s' => $age];
    });
}

$queueSql = env_value('HEALTH_QUEUE_SQL');
if ($queueSql !== null) {
    $checks['queue'] = timed(function () use ($queueSql, &$pdo) {
        if ($pdo === null) { return ['status' => 'fail', 'error' => 'no database']; }
        $backlog = (int)$pdo->query($queueSql)->fetchColumn();
        $warn = (int)(env_value('HEALTH_QUEUE_WARN') ?? 100);
        $fail = (int)(env_value('HEALTH_QUEUE_FAIL') ?? 1000);
        return ['status' => $backlog >= $fail ? 'fail' : ($backlog >= $warn ? 'degraded' : 'ok'), 'backlog' => $backlog];
    });
}

$rank = ['ok' => 0, 'degraded' => 1, 'fail' => 2];
$overall = 'ok';
foreach ($checks as $c) {
    if ($rank[$c['status']] > $rank[$overall]) { $overall = $c['status']; }
}

http_response_code($overall === 'fail' ? 503 : 200);
echo json_encode([
    'status' => $overall,
    'checks' => $checks,
    'ms' => round((microtime(true) - $started) * 1000, 1),
], JSON_UNESCAPED_SLASHES), "\n";

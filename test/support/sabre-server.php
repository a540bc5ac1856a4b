<?php
// A Sabre/DAV 1.8 CalDAV server for tests, in the shape of the package's examples/calendarserver.php, on
// the SQLite file SABRE_DB, served by `php -S 127.0.0.1:PORT sabre-server.php` (this file as the router).
// SABRE_AUTH chooses the authentication: `digest` is the stock PDO backend, which offers Digest only (what
// a Baikal-like setup gives a client); `basic` checks Basic credentials against the same users table.
//
//   php sabre-server.php init USER PASSWORD   creates the database with that one user (run once, first)

// PHP 8.2 reports deprecations in Sabre 1.8 code; turned into exceptions they would make every answer a 500.
error_reporting(E_ALL & ~E_DEPRECATED & ~E_USER_DEPRECATED);
date_default_timezone_set('UTC');
require_once 'Sabre/autoload.php';

const SABRE_REALM = 'SabreDAV';

$pdo = new PDO('sqlite:' . getenv('SABRE_DB'));
$pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);

if (PHP_SAPI === 'cli') {
    [, $command, $user, $password] = $argv + [null, null, null, null];
    if ($command !== 'init' || !$user || !$password) {
        fwrite(STDERR, "usage: SABRE_DB=FILE php sabre-server.php init USER PASSWORD\n");
        exit(2);
    }
    // The schema of the package's examples/sql/sqlite.{calendars,principals,users}.sql.
    $pdo->exec('CREATE TABLE calendarobjects (id integer primary key asc, calendardata blob, uri text, calendarid integer,
        lastmodified integer, etag text, size integer, componenttype text, firstoccurence integer, lastoccurence integer)');
    $pdo->exec('CREATE TABLE calendars (id integer primary key asc, principaluri text, displayname text, uri text, ctag integer,
        description text, calendarorder integer, calendarcolor text, timezone text, components text, transparent bool)');
    $pdo->exec('CREATE TABLE principals (id INTEGER PRIMARY KEY ASC, uri TEXT, email TEXT, displayname TEXT, vcardurl TEXT, UNIQUE(uri))');
    $pdo->exec('CREATE TABLE groupmembers (id INTEGER PRIMARY KEY ASC, principal_id INTEGER, member_id INTEGER, UNIQUE(principal_id, member_id))');
    $pdo->exec('CREATE TABLE users (id integer primary key asc, username TEXT, digesta1 TEXT, UNIQUE(username))');
    $principal = $pdo->prepare('INSERT INTO principals (uri, email, displayname) VALUES (?, ?, ?)');
    $principal->execute(["principals/$user", "$user@example.org", $user]);
    $principal->execute(["principals/$user/calendar-proxy-read", null, null]);
    $principal->execute(["principals/$user/calendar-proxy-write", null, null]);
    $pdo->prepare('INSERT INTO users (username, digesta1) VALUES (?, ?)')
        ->execute([$user, md5("$user:" . SABRE_REALM . ":$password")]);
    exit(0);
}

// Several PHP workers write the one SQLite file: wait for its lock instead of failing at once.
$pdo->exec('PRAGMA busy_timeout = 10000');

/** Basic credentials checked against the digest hashes of the stock users table. */
class SabreTestBasicAuth extends \Sabre\DAV\Auth\Backend\AbstractBasic
{
    public function __construct(private PDO $pdo)
    {
    }

    protected function validateUserPass($username, $password)
    {
        $query = $this->pdo->prepare('SELECT digesta1 FROM users WHERE username = ?');
        $query->execute([$username]);
        $hash = $query->fetchColumn();
        return is_string($hash) && hash_equals($hash, md5("$username:" . SABRE_REALM . ":$password"));
    }
}

$authBackend = getenv('SABRE_AUTH') === 'basic'
    ? new SabreTestBasicAuth($pdo)
    : new \Sabre\DAV\Auth\Backend\PDO($pdo);
$principalBackend = new \Sabre\DAVACL\PrincipalBackend\PDO($pdo);
$calendarBackend = new \Sabre\CalDAV\Backend\PDO($pdo);

$server = new \Sabre\DAV\Server([
    new \Sabre\CalDAV\Principal\Collection($principalBackend),
    new \Sabre\CalDAV\CalendarRootNode($principalBackend, $calendarBackend),
]);
$server->setBaseUri('/');
$server->addPlugin(new \Sabre\DAV\Auth\Plugin($authBackend, SABRE_REALM));
$server->addPlugin(new \Sabre\DAVACL\Plugin());
$server->addPlugin(new \Sabre\CalDAV\Plugin());
$server->exec();

<?php
// Router for PHP's built-in server, which has no rewrite rules: DAViCal's Apache config redirects
// /.well-known/caldav to caldav.php so clients can discover the service from the bare host.
if (preg_match('#^/\.well-known/(caldav|carddav)(/|$)#', $_SERVER['REQUEST_URI'])) {
    header('Location: /caldav.php/', true, 301);
    return true;
}
return false;
